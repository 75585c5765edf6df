import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hydrated, signUpAndLogIn } from './helpers';

let dir: string;
let first: string;
let second: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cm-e2e-'));
  first = join(dir, 'noise.webm');
  // Noise does not compress: a real 4-second WebM of about 20 MB, so the upload has several 8 MiB parts.
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'nullsrc=s=640x360:r=25:d=4,geq=random(1)*255:128:128',
    '-f', 'lavfi', '-i', 'sine=duration=4',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '50M', '-minrate', '50M', '-maxrate', '50M',
    '-c:a', 'libopus', '-shortest', '-y', first,
  ]);
  second = join(dir, 'noise-again.webm');
  copyFileSync(first, second);
});

test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('upload a file, watch it reach 100 %, resume an interrupted one, and play the source', async ({ page, request, baseURL }) => {
  test.setTimeout(180_000);
  await signUpAndLogIn(page, request, baseURL!);
  await page.goto('/videos');
  await hydrated(page);

  // A whole upload.
  await page.getByTestId('file-input').setInputFiles(first);
  const progress = page.getByTestId('upload-progress');
  await expect(progress).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('upload-bar')).toHaveAttribute('aria-valuenow', '100');
  const row = page.locator('.video-row', { hasText: 'noise' }).first();
  // The worker checks the stored file, transcribes it and looks for clips: four seconds of noise hold none, and the
  // card says so.
  await expect(row.getByTestId('video-status')).toHaveText('Ошибка', { timeout: 90_000 });
  // The reason is stored as a key and translated: Russian first, English after the switch, without a reload.
  await expect(row.getByTestId('video-failure')).toContainText('Клипов нет');
  await page.getByTestId('lang-switch').click();
  await expect(row.getByTestId('video-failure')).toContainText('No clips');
  await page.getByTestId('lang-switch').click();
  await expect(row.getByTestId('video-status')).toHaveText('Ошибка');

  // An upload whose connection drops: the last part never arrives.
  const parts = Math.ceil(statSync(second).size / (8 * 1024 * 1024));
  expect(parts).toBeGreaterThanOrEqual(2);
  const lastPart = new RegExp(`/api/uploads/[^/]+/parts/${parts}$`);
  await page.route(lastPart, (route) => route.abort('connectionreset'));
  await page.getByTestId('file-input').setInputFiles(second);
  await expect(progress).toHaveAttribute('data-phase', /^failed/, { timeout: 60_000 });
  await expect(progress).toContainText('Выберите тот же файл');
  await page.unroute(lastPart);

  // After a reload, picking the same file sends only the missing part.
  await page.reload();
  await hydrated(page);
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'PUT' && r.url().includes('/parts/')) sent.push(r.url().split('/parts/')[1]);
  });
  await page.getByTestId('file-input').setInputFiles(second);
  await expect(progress).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  expect(sent).toEqual([String(parts)]);
  await expect(page.locator('.video-row', { hasText: 'noise-again' }).getByTestId('video-status')).toHaveText(
    'Ошибка',
    { timeout: 90_000 },
  );

  // The detail page plays the stored source (streamed with HTTP Range).
  await row.locator('a.video-title').click();
  const player = page.getByTestId('player');
  await expect(player).toBeVisible();
  await expect
    .poll(() => player.evaluate((v: HTMLVideoElement) => (Number.isFinite(v.duration) ? v.duration : 0)), {
      timeout: 30_000,
    })
    .toBeGreaterThan(3.5);
  await player.evaluate((v: HTMLVideoElement) => v.play());
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 }).toBeGreaterThan(0.2);
});

test('a disguised file is refused with a translated reason', async ({ page, request, baseURL }) => {
  await signUpAndLogIn(page, request, baseURL!);
  await page.goto('/videos');
  await hydrated(page);
  await page.getByTestId('file-input').setInputFiles({
    name: 'holiday.mp4',
    mimeType: 'video/mp4',
    buffer: Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'binary'), Buffer.alloc(4096, 1)]),
  });
  const progress = page.getByTestId('upload-progress');
  await expect(progress).toHaveAttribute('data-phase', /^failed/);
  await expect(progress).toContainText('не похоже на видео');
  await expect(page.locator('.video-row')).toHaveCount(0);
});
