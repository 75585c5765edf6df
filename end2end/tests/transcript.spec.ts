import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signUpAndLogIn, talkVideo, uploadAndOpen } from './helpers';

let dir: string;
let talk: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cm-e2e-talk-'));
  talk = talkVideo(dir, [
    'Welcome to the show. Today we talk about making short videos from long recordings. ' +
      'Subtitles help because many people watch videos with the sound turned off.',
  ]);
});

test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the transcript of an uploaded talk appears on its page and a click on a word seeks the player', async ({
  page,
  request,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await signUpAndLogIn(page, request, baseURL!);
  // Open the video while it is still being processed: the transcript arrives without a reload.
  await uploadAndOpen(page, talk, 'talk');
  const transcript = page.getByTestId('transcript');
  await expect(transcript).toBeVisible({ timeout: 120_000 });
  await expect(transcript).toContainText(/short videos/i);

  // Click the last word: the player jumps to it.
  const word = transcript.locator('.word').last();
  const start = Number(await word.getAttribute('data-start'));
  expect(start).toBeGreaterThan(3);
  await word.click();
  const player = page.getByTestId('player');
  await expect
    .poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(start - 0.05);
  await player.evaluate((v: HTMLVideoElement) => v.pause());

  // Search highlights the matching passage; the downloads serve the transcript as subtitles.
  await page.getByTestId('transcript-search').fill('sound');
  await expect(page.getByTestId('transcript-matches')).toHaveText('1 совпадение');
  await expect(transcript.locator('.segment.hit')).toHaveCount(1);
  const id = page.url().split('/videos/')[1];
  const srt = await page.request.get(`/api/videos/${id}/transcript.srt`);
  expect(srt.status()).toBe(200);
  expect(await srt.text()).toMatch(/^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n/);
});
