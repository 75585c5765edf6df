import { APIRequestContext, Page, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const MAIL_API = process.env.MAIL_API_URL ?? 'http://127.0.0.1:1080';
export const PASSWORD = 'Надёжный пароль 2026';

/** The bot token the platform simulator's fake Telegram accepts (testkit::fake_telegram::BOT_TOKEN). */
export const SIMULATED_BOT_TOKEN = '7000000001:AAFakeBotTokenForClipMakerTests-123';
/** The API token the simulator's fake Rutube accepts (testkit::fake_rutube::TOKEN). */
export const SIMULATED_RUTUBE_TOKEN = 'rutube-fake-token-0123456789abcdef';

export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@clipmaker.test`;
}

/** The first link in the newest mail to `to` captured by the SMTP sink. */
export async function mailLink(request: APIRequestContext, to: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const list = (await (await request.get(`${MAIL_API}/api/messages`)).json()) as { id: number; recipients: string[] }[];
    const mine = list.filter((m) => m.recipients.some((r) => r.includes(to))).sort((a, b) => b.id - a.id);
    if (mine.length > 0) {
      const text = await (await request.get(`${MAIL_API}/api/messages/${mine[0].id}/plain`)).text();
      const link = text.split(/\s+/).find((w) => w.startsWith('http'));
      if (link) return link;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to}`);
}

export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Registers through the API, confirms from the mail, and logs in through the page. */
export async function signUpAndLogIn(page: Page, request: APIRequestContext, baseURL: string): Promise<string> {
  const email = uniqueEmail('nav');
  const headers = { origin: baseURL };
  const reg = await request.post('/api/auth/register', { headers, form: { email, password: PASSWORD, name: 'E2E', lang: 'ru' } });
  expect(reg.status()).toBe(200);
  const token = new URL(await mailLink(request, email)).searchParams.get('token')!;
  expect((await request.post('/api/auth/verify-email', { headers, form: { token } })).status()).toBe(200);
  await page.goto('/login');
  await hydrated(page);
  await page.fill('#field-email', email);
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await expect(page).toHaveURL(/\/dashboard$/);
  return email;
}

/**
 * A talk video in `dir`: espeak-ng reads each paragraph (words per minute `speed`), 1.2 s of silence after each,
 * over a moving 640×360 test pattern. Returns the file's path (`talk.mp4`).
 */
export function talkVideo(dir: string, paragraphs: string[], speed = 150): string {
  const wavs = paragraphs.map((text, i) => {
    const wav = join(dir, `p${i}.wav`);
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', String(speed), '-g', '6', '-w', wav, text]);
    return wav;
  });
  const speech = join(dir, 'speech.wav');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    ...wavs.flatMap((w) => ['-i', w]),
    '-filter_complex', `${wavs.map((_, i) => `[${i}:a]apad=pad_dur=1.2[a${i}]`).join(';')};` +
      `${wavs.map((_, i) => `[a${i}]`).join('')}concat=n=${wavs.length}:v=0:a=1`,
    '-y', speech,
  ]);
  const talk = join(dir, 'talk.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-i', speech,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    '-movflags', '+faststart', '-y', talk,
  ]);
  return talk;
}

/** Uploads `file` on the videos page, waits for the upload to finish, and opens the video named `title`. */
export async function uploadAndOpen(page: Page, file: string, title: string): Promise<void> {
  await page.goto('/videos');
  await hydrated(page);
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('upload-progress')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  await page.locator('.video-row', { hasText: title }).first().locator('a.video-title').click();
  await hydrated(page);
}
