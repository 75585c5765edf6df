import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hydrated, signUpAndLogIn } from '../tests/helpers';

// bench/editor (issue 20): the clip editor on a three-hour video. The bench script generates the source and builds its
// timeline media with `worker timeline` (TIMELINE_DIR); this test signs up, stores the source and the media where the
// S3 server keeps its objects (S3_DATA_DIR/S3_BUCKET), inserts the video, a transcript (a word every 0.4 s) and a ready
// clip with psql (DATABASE_URL), then opens the editor and records frame times with requestAnimationFrame while a
// handle is dragged and while the timeline zooms. Writes the figures as JSON to $BENCH_OUT.
const SOURCE = process.env.BENCH_SOURCE!;
const DURATION = Number(process.env.BENCH_DURATION!);

function psql(sql: string): string {
  return execFileSync('psql', [process.env.DATABASE_URL!, '-v', 'ON_ERROR_STOP=1', '-qtA', '-f', '-'], { input: sql })
    .toString()
    .trim();
}

async function frames(page: import('@playwright/test').Page, action: () => Promise<void>): Promise<number[]> {
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; stop_: boolean };
    w.frames_ = [];
    w.stop_ = false;
    let last = performance.now();
    const tick = (now: number) => {
      w.frames_.push(now - last);
      last = now;
      if (!w.stop_) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await action();
  return page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; stop_: boolean };
    w.stop_ = true;
    return w.frames_.slice(1);
  });
}

test('editor on a three-hour video', async ({ page, request, baseURL }) => {
  const email = await signUpAndLogIn(page, request, baseURL!);
  const user = psql(`SELECT id FROM users WHERE email = '${email}'`);
  const video = psql('SELECT gen_random_uuid()');
  const clip = psql('SELECT gen_random_uuid()');
  const bucket = join(process.env.S3_DATA_DIR!, process.env.S3_BUCKET!);
  const sourceKey = `sources/${video}/source.mp4`;
  mkdirSync(join(bucket, `sources/${video}/timeline`), { recursive: true });
  copyFileSync(SOURCE, join(bucket, sourceKey));
  for (const f of readdirSync(process.env.TIMELINE_DIR!)) {
    copyFileSync(join(process.env.TIMELINE_DIR!, f), join(bucket, `sources/${video}/timeline/${f}`));
  }
  const timeline = readdirSync(process.env.TIMELINE_DIR!).length;
  const words = [];
  const vocabulary = ['short', 'clips', 'grow', 'your', 'channel', 'every', 'single', 'day', 'with', 'subtitles'];
  for (let t = 0.2, i = 0; t + 0.35 < DURATION; t += 0.4, i++) {
    words.push({ start: +t.toFixed(2), end: +(t + 0.32).toFixed(2), text: vocabulary[i % vocabulary.length] });
  }
  const segments = [];
  for (let i = 0; i < words.length; i += 12) {
    const ws = words.slice(i, i + 12);
    segments.push({ start: ws[0].start, end: ws[ws.length - 1].end, text: ws.map((w) => w.text).join(' '), words: ws });
  }
  const assets = JSON.parse(process.env.BENCH_ASSETS!);
  const sql = `
    INSERT INTO videos (id, user_id, title, status, source_kind, file_key, mime_type, size_bytes, duration_seconds, timeline)
      VALUES ('${video}', '${user}', 'three hours', 'completed', 'file', '${sourceKey}', 'video/mp4', 1, ${DURATION},
              '${JSON.stringify(assets)}');
    INSERT INTO transcripts (video_id, language, segments, full_text, stt_model)
      VALUES ('${video}', 'en', $json$${JSON.stringify(segments)}$json$, '', 'bench');
    INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, status, file_key, virality)
      VALUES ('${clip}', '${video}', '${user}', 'bench', 5400, 5430, 'ready', '${sourceKey}', '{"total": 80}');`;
  psql(sql);
  expect(timeline).toBeGreaterThan(1);

  // Opening: navigation to the editor drawn with its waveform.
  const opens: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    await page.goto(`/clips/${clip}/edit`);
    await hydrated(page);
    await expect(page.getByTestId('timeline')).not.toHaveAttribute('data-peaks', '0', { timeout: 60_000 });
    opens.push(Date.now() - started);
  }
  const canvas = page.getByTestId('timeline-canvas');
  const box = (await canvas.boundingBox())!;
  const handle = page.getByTestId('handle-end');

  // Dragging the end handle back and forth for about three seconds.
  const drag = await frames(page, async () => {
    const h = (await handle.boundingBox())!;
    const y = h.y + h.height / 2;
    await page.mouse.move(h.x + h.width / 2, y);
    await page.mouse.down();
    for (let k = 0; k < 180; k++) {
      await page.mouse.move(h.x + h.width / 2 + 120 * Math.sin(k / 15), y);
    }
    await page.mouse.up();
  });

  // Zooming all the way out and back in around the middle with Ctrl+wheel, then scrolling.
  const zoom = await frames(page, async () => {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Control');
    for (let k = 0; k < 60; k++) await page.mouse.wheel(0, 120);
    for (let k = 0; k < 60; k++) await page.mouse.wheel(0, -120);
    await page.keyboard.up('Control');
    for (let k = 0; k < 60; k++) await page.mouse.wheel(0, 200);
  });
  writeFileSync(process.env.BENCH_OUT!, JSON.stringify({ open_ms: opens, drag_ms: drag, zoom_ms: zoom, words: words.length }));
});
