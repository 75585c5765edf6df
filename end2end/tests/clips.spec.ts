import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIMULATED_BOT_TOKEN, SIMULATED_RUTUBE_TOKEN, hydrated, signUpAndLogIn, talkVideo, uploadAndOpen } from './helpers';

let dir: string;
let talk: string;

// A two-minute talk: espeak-ng reads a few paragraphs over a moving test pattern.
const paragraphs = [
  'Welcome back to the channel. Today I want to show you how to turn one long recording into many short clips.',
  'The first secret is the hook. You have three seconds to make people stop scrolling, so start with a question.',
  'Why do most videos fail? Because they start slowly. Nobody waits for a long introduction any more.',
  'The second secret is subtitles. Most people watch with the sound off, so every word must be on the screen.',
  'The third secret is length. Keep each clip between fifteen and sixty seconds and cut every pause.',
  'Here is a simple plan. Record once a week, pick the five best moments, and publish one clip every day.',
  'Remember to end with a call to action. Ask people to follow you for the next part of the story.',
  'That is all for today. Try it this week and tell me in the comments how many views you got.',
];

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cm-e2e-clips-'));
  talk = talkVideo(dir, paragraphs, 135);
});

test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('an uploaded talk becomes a ready 9:16 clip with scores, live, and it plays and downloads', async ({
  page,
  request,
  baseURL,
}) => {
  test.setTimeout(420_000);
  await signUpAndLogIn(page, request, baseURL!);
  // A new user lands on the dashboard: the first-run checklist (email confirmed, the rest to do), zero figures and
  // empty states that say what to do next; the file picker speaks Russian and nothing offers to cancel an upload.
  await hydrated(page);
  await expect(page.getByTestId('checklist')).toBeVisible();
  await expect(page.getByTestId('step-0')).toHaveAttribute('data-done', 'true');
  for (const step of ['step-1', 'step-2', 'step-3']) {
    await expect(page.getByTestId(step)).toHaveAttribute('data-done', 'false');
  }
  await expect(page.getByTestId('checklist-progress')).toHaveText('Сделано 1 из 4');
  await expect(page.getByTestId('dash-videos')).toHaveAttribute('data-value', '0');
  await expect(page.getByTestId('dash-minutes')).toHaveAttribute('data-used', '0');
  await expect(page.getByTestId('dash-recent-empty')).toContainText('Видео пока нет');
  await expect(page.getByTestId('dash-best-empty')).toContainText('Клипы появятся здесь');
  await expect(page.getByTestId('drop-zone')).toContainText('Выбрать файл');
  await expect(page.getByTestId('upload-cancel')).toHaveCount(0);
  // One short clip keeps the test quick; the job follows the preference.
  const prefs = await page.request.post('/api/user/clip-preferences', {
    form: { clip_count: '1', clip_length: '15-30' },
    headers: { Origin: baseURL! },
  });
  expect(prefs.status()).toBe(200);
  await uploadAndOpen(page, talk, 'talk');
  // Follow the status chip without reloading: it must pass through transcription and rendering to the end. A
  // short talk spends well under a second in some statuses, so every value the attribute takes is recorded in the page.
  const row = page.locator('.video-row').first();
  await row.waitFor();
  await page.evaluate(() => {
    const values: string[] = [];
    (window as unknown as { statuses: string[] }).statuses = values;
    const first = document.querySelector('.video-row')?.getAttribute('data-status');
    if (first) values.push(first);
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        if (r.type !== 'attributes' || !el.classList.contains('video-row')) continue;
        if (r.oldValue) values.push(r.oldValue);
        const now = el.getAttribute('data-status');
        if (now) values.push(now);
      }
    }).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-status'],
      attributeOldValue: true,
    });
  });
  await expect(row).toHaveAttribute('data-status', /^(completed|failed)$/, { timeout: 360_000 });
  const seen = new Set<string>(await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses));
  expect(seen.has('failed'), `statuses seen: ${[...seen].join(', ')}`).toBe(false);
  expect([...seen]).toEqual(expect.arrayContaining(['transcribing', 'generating_clips', 'completed']));

  const clip = page.locator('[data-testid="clip"][data-status="ready"]').first();
  await expect(clip).toBeVisible({ timeout: 30_000 });
  await expect(clip.getByTestId('clip-total')).toContainText(/\d+/);
  await expect(clip.locator('.clip-thumb img')).toBeVisible();

  await clip.locator('a.clip-title').click();
  await hydrated(page);
  const player = page.getByTestId('clip-player');
  await expect(player).toBeVisible();
  await expect
    .poll(() => player.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight].join('x')), { timeout: 20_000 })
    .toBe('1080x1920');
  await player.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
  });
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
  await player.evaluate((v: HTMLVideoElement) => v.pause());

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('clip-download').click()]);
  expect(download.suggestedFilename()).toMatch(/\.mp4$/);
  const file = join(dir, 'downloaded.mp4');
  await download.saveAs(file);
  const bytes = readFileSync(file);
  expect(bytes.length).toBeGreaterThan(50_000);
  expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');

  // The editor (same processed video): the end handle moves by keyboard and undo brings it back; dragged with the
  // mouse, then saved, the new render is as long as the edited range.
  const clipUrl = page.url();
  await page.getByTestId('clip-edit').click();
  await hydrated(page);
  const range = page.getByTestId('editor-range');
  await expect(range).toBeVisible();
  const end0 = Number(await range.getAttribute('data-end'));
  const start0 = Number(await range.getAttribute('data-start'));
  const handle = page.getByTestId('handle-end');
  await handle.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => Number(await range.getAttribute('data-end'))).toBeGreaterThan(end0);
  await page.getByTestId('undo').click();
  await page.getByTestId('undo').click();
  await expect.poll(async () => Number(await range.getAttribute('data-end'))).toBeCloseTo(end0, 3);
  // Drag the end handle 60 px to the right, holding Alt so it moves freely.
  const box = (await handle.boundingBox())!;
  await page.keyboard.down('Alt');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Alt');
  await expect.poll(async () => Number(await range.getAttribute('data-end'))).toBeGreaterThan(end0 + 0.2);
  // One frame further with the keyboard (Shift: free).
  const dragged = Number(await range.getAttribute('data-end'));
  await handle.focus();
  await page.keyboard.press('Shift+ArrowRight');
  await expect.poll(async () => Number(await range.getAttribute('data-end'))).toBeCloseTo(dragged + 0.04, 3);
  const end1 = Number(await range.getAttribute('data-end'));
  const start1 = Number(await range.getAttribute('data-start'));
  expect(start1).toBeCloseTo(start0, 3);
  await page.getByTestId('editor-save').click();
  await expect(page.getByTestId('editor-rendered')).toBeVisible({ timeout: 180_000 });
  const edited = join(dir, 'edited.mp4');
  const clipId = clipUrl.split('/').pop()!.split('?')[0];
  const res = await page.request.get(`/api/clips/${clipId}/stream?download=1`);
  expect(res.status()).toBe(200);
  writeFileSync(edited, await res.body());
  const probed = execFileSync('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=duration', '-of', 'csv=p=0', edited,
  ]).toString();
  expect(Math.abs(Number(probed.trim()) - (end1 - start1))).toBeLessThanOrEqual(0.041);

  // Cut two words and fix a third through the text panel: the next render is shorter by the two words, its captions
  // carry the correction and not the cut words, and the subtitle band where the fixed word shows has changed.
  type W = { i: number; text: string; start: number; end: number };
  const words: W[] = await page.getByTestId('editor-word').evaluateAll((els) =>
    els.map((e) => ({
      i: Number(e.getAttribute('data-i')),
      text: (e.textContent ?? '').trim(),
      start: Number(e.getAttribute('data-start')),
      end: Number(e.getAttribute('data-end')),
    })),
  );
  const bare = (t: string) => t.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const unique = words.filter(
    (w) => bare(w.text).length >= 4 && words.filter((o) => bare(o.text) === bare(w.text)).length === 1 && w.start > start1 + 0.5,
  );
  expect(unique.length).toBeGreaterThanOrEqual(3);
  const fixed = unique[0];
  // Two words apart from each other (a run of cut words would also take the pause between them).
  const first = unique.find((w) => w.i >= fixed.i + 8);
  const second = first && unique.find((w) => w.i >= first.i + 2);
  expect(first && second, 'two unique words to cut').toBeTruthy();
  const cuts = [first!, second!];
  for (const w of cuts) {
    await page.locator(`[data-testid="editor-word"][data-i="${w.i}"]`).click();
    await page.getByTestId('cut-words').click();
    await expect(page.locator(`[data-testid="editor-word"][data-i="${w.i}"]`)).toHaveClass(/\bcut\b/);
  }
  await page.locator(`[data-testid="editor-word"][data-i="${fixed.i}"]`).dblclick();
  await page.getByTestId('fix-input').fill('Zebracorn');
  await page.getByTestId('fix-input').press('Enter');
  await expect(page.locator(`[data-testid="editor-word"][data-i="${fixed.i}"]`)).toHaveText('Zebracorn');
  const revision = Number(await page.getByTestId('editor-rendered').getAttribute('data-revision'));
  await page.getByTestId('editor-save').click();
  await expect(page.locator(`[data-testid="editor-rendered"][data-revision="${revision + 1}"]`)).toBeVisible({
    timeout: 180_000,
  });
  const cutFile = join(dir, 'cut.mp4');
  const again = await page.request.get(`/api/clips/${clipId}/stream?download=1`);
  writeFileSync(cutFile, await again.body());
  const cutLength = Number(
    execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=duration', '-of', 'csv=p=0', cutFile])
      .toString()
      .trim(),
  );
  const removed = cuts.reduce((sum, w) => sum + (w.end - w.start), 0);
  expect(Math.abs(cutLength - (end1 - start1 - removed))).toBeLessThanOrEqual(0.1);
  const captions = await (await page.request.get(`/api/clips/${clipId}/captions`)).text();
  const events = captions.split('\n').filter((l) => l.startsWith('Dialogue:'));
  expect(events.some((l) => l.includes('Zebracorn'))).toBe(true);
  for (const w of [...cuts, fixed]) {
    const shown = events.some((l) => l.split(',,').pop()!.split(/\s+/).some((x) => bare(x) === bare(w.text)));
    expect(shown, `${w.text} is still in the captions`).toBe(false);
  }
  // The fixed word plays at the same moment in both renders (nothing before it was cut): its subtitle band differs.
  const band = (file: string, at: number) =>
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-ss', at.toFixed(2), '-i', file, '-frames:v', '1',
      '-vf', 'crop=1080:420:0:1300,format=gray', '-f', 'rawvideo', 'pipe:1',
    ]);
  const at = fixed.start - start1 + Math.min(0.15, (fixed.end - fixed.start) / 2);
  const [before, after] = [band(edited, at), band(cutFile, at)];
  expect(before.length).toBe(after.length);
  let diff = 0;
  for (let k = 0; k < before.length; k++) diff += Math.abs(before[k] - after[k]);
  expect(diff / before.length).toBeGreaterThan(1.0);

  // The preview plays through the cuts: started a second before the first cut word, the video jumps over it. Each
  // animation frame records the video's time and the page's clock; across the cut the video moves further than the
  // clock by about the cut's length.
  const video = page.getByTestId('editor-video');
  await video.evaluate((v: HTMLVideoElement, at) => { v.currentTime = at; }, first!.start - 1);
  await page.getByTestId('play').click();
  const samples: { t: number; wall: number }[] = await page.evaluate(
    ({ until }) =>
      new Promise((resolve) => {
        const v = document.querySelector('[data-testid="editor-video"]') as HTMLVideoElement;
        const out: { t: number; wall: number }[] = [];
        const began = performance.now();
        const tick = () => {
          out.push({ t: v.currentTime, wall: performance.now() / 1000 });
          if (v.currentTime > until || v.paused || performance.now() - began > 20_000) resolve(out);
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    { until: first!.end + 0.3 },
  );
  await page.getByTestId('play').click();
  expect(samples[samples.length - 1].t, 'the preview played past the cut word').toBeGreaterThan(first!.end + 0.25);
  let skip = 0;
  for (let k = 1; k < samples.length; k++) {
    const [a, b] = [samples[k - 1], samples[k]];
    if (a.t < first!.end && b.t >= first!.end - 0.02) skip = Math.max(skip, b.t - a.t - (b.wall - a.wall));
  }
  expect(skip, 'the preview skipped the cut word').toBeGreaterThan(0.7 * (first!.end - first!.start));

  // At 360 px the editor fits the screen, and a finger drags the start handle.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.reload();
  await hydrated(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const startHandle = page.getByTestId('handle-start');
  await startHandle.scrollIntoViewIfNeeded();
  const s0 = Number(await range.getAttribute('data-start'));
  // Outwards when there is room before the clip, inwards otherwise.
  const way = s0 > 2 ? -1 : 1;
  const hb = (await startHandle.boundingBox())!;
  const [hx, hy] = [hb.x + hb.width / 2, hb.y + hb.height / 2];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: hx, y: hy }] });
  for (const dx of [5, 10, 15, 20, 25].map((d) => d * way)) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: hx + dx, y: hy }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await expect.poll(async () => (Number(await range.getAttribute('data-start')) - s0) * way).toBeGreaterThan(0.05);

  // Publishing the same clip (in a second tab: the editor now has unsaved changes): connect the simulator's Telegram
  // bot, publish with a hashtag, and see the post's link once the worker has sent it.
  const tab = await page.context().newPage();
  await tab.goto('/settings/platforms');
  await hydrated(tab);
  await tab.getByTestId('telegram-token').fill(SIMULATED_BOT_TOKEN);
  await tab.getByTestId('telegram-channel').fill('@clipmaker_test');
  await tab.getByTestId('telegram-connect').click();
  await expect(tab.getByTestId('platform-telegram')).toHaveAttribute('data-status', 'active');
  await tab.getByTestId('rutube-token').fill(SIMULATED_RUTUBE_TOKEN);
  await tab.getByTestId('rutube-connect').click();
  await expect(tab.getByTestId('platform-rutube')).toHaveAttribute('data-status', 'active');
  // To the clip through the Clips page (a link followed inside the app).
  await tab.goto('/clips');
  await hydrated(tab);
  await tab.locator(`a.clip-title[href="${new URL(clipUrl).pathname}"]`).click();
  const panel = tab.getByTestId('publish-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('publish-title')).not.toHaveValue('');
  await panel.getByTestId('publish-hashtags').fill('#shorts клипы');
  // Both connected platforms are ticked; Dzen's text is prepared to paste.
  await expect(panel.getByTestId('publish-to-telegram')).toBeChecked();
  await expect(panel.getByTestId('publish-to-rutube')).toBeChecked();
  // Rutube gets a title of its own; the other platforms take the shared text.
  await panel.getByTestId('publish-own-toggle-rutube').check();
  await expect(panel.getByTestId('publish-own-title-rutube')).toHaveValue(await panel.getByTestId('publish-title').inputValue());
  await panel.getByTestId('publish-own-title-rutube').fill('Для Rutube: три шага');
  await panel.getByTestId('dzen-prepare').locator('summary').click();
  await expect(panel.getByTestId('dzen-text')).toHaveValue(/#shorts #клипы/);
  await panel.getByTestId('publish-submit').click();
  const telegram = panel.locator('[data-testid="publication"][data-platform="telegram"]');
  const rutube = panel.locator('[data-testid="publication"][data-platform="rutube"]');
  await expect(telegram).toHaveAttribute('data-status', 'published', { timeout: 60_000 });
  await expect(telegram.getByTestId('publication-link')).toHaveAttribute('href', /^https:\/\/t\.me\/clipmaker_test\/\d+$/);
  await expect(rutube).toHaveAttribute('data-status', 'published', { timeout: 60_000 });
  await expect(rutube.getByTestId('publication-title')).toHaveText('Для Rutube: три шага');
  await expect(rutube.getByTestId('publication-link')).toHaveAttribute('href', /^https:\/\/rutube\.ru\/video\/[0-9a-f]{32}\/$/);

  // Analytics: the stats collector (every 5 s here) reads the simulated Rutube video's 1 250 views; Telegram counts as
  // published with its views "not available".
  await tab.goto('/analytics');
  await hydrated(tab);
  await expect(async () => {
    await tab.reload();
    await expect(tab.getByTestId('an-views')).toHaveAttribute('data-value', '1250', { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await hydrated(tab);
  await expect(tab.getByTestId('an-published')).toHaveAttribute('data-value', '1');
  await expect(tab.getByTestId('an-platform-rutube')).toContainText('1');
  await expect(tab.getByTestId('an-platform-telegram')).toContainText('нет данных');
  await expect(tab.locator('[data-testid="an-point"][data-views="1250"]')).toHaveCount(1);
  await expect(tab.getByTestId('an-top').locator(`a[href="${new URL(clipUrl).pathname}"]`)).toHaveCount(1);

  // The dashboard counts the processed video, its clip, the publications and Rutube's views; the clip is among the
  // best, and the checklist's video and platform steps are done.
  await tab.goto('/dashboard');
  await hydrated(tab);
  await expect(tab.getByTestId('dash-videos')).toHaveAttribute('data-value', '1');
  await expect(tab.getByTestId('dash-clips-ready')).toHaveAttribute('data-value', '1');
  await expect(tab.getByTestId('dash-clips-published')).toHaveAttribute('data-value', '1');
  await expect(tab.getByTestId('dash-views')).toHaveAttribute('data-value', '1250');
  await expect(tab.getByTestId('dash-best').locator(`a.clip-title[href="${new URL(clipUrl).pathname}"]`)).toHaveCount(1);
  await expect(tab.getByTestId('dash-recent').locator('.video-row[data-status="completed"]')).toHaveCount(1);
  await expect(tab.getByTestId('step-1')).toHaveAttribute('data-done', 'true');
  await expect(tab.getByTestId('step-3')).toHaveAttribute('data-done', 'true');
  await tab.close();
});
