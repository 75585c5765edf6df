import { test, expect } from '@playwright/test';
import { hydrated, signUpAndLogIn } from './helpers';

test('the Russian sample talk goes live through the whole pipeline to a ready clip with Cyrillic captions', async ({
  page,
  request,
  baseURL,
}) => {
  test.setTimeout(360_000);
  await signUpAndLogIn(page, request, baseURL!);
  // One short clip keeps the test quick; the job follows the preference.
  const prefs = await page.request.post('/api/user/clip-preferences', {
    form: { clip_count: '1', clip_length: '15-30' },
    headers: { Origin: baseURL! },
  });
  expect(prefs.status()).toBe(200);
  await page.goto('/videos');
  await hydrated(page);
  await expect(page.locator('.live-chip')).toHaveAttribute('data-state', 'live');

  let loads = 0;
  page.on('load', () => loads++);
  await page.getByTestId('demo-start').click();

  const row = page.locator('.video-row').first();
  const bar = row.getByTestId('video-progress');
  const seen = new Set<number>();
  // Every distinct value the bar shows while the worker generates, stores and probes the sample.
  await expect
    .poll(
      async () => {
        const value = await bar.getAttribute('aria-valuenow', { timeout: 200 }).catch(() => null);
        if (value !== null) seen.add(Number(value));
        return seen.size;
      },
      { timeout: 60_000, intervals: [100] },
    )
    .toBeGreaterThanOrEqual(3);
  const values = [...seen];
  expect(Math.max(...values)).toBeGreaterThan(Math.min(...values));

  // Generated, transcribed, analysed and rendered, all followed live.
  await expect(row.getByTestId('video-status')).toHaveText('Готово', { timeout: 300_000 });
  await expect(row).toHaveAttribute('data-status', 'completed');
  await expect(row.getByTestId('video-progress')).toHaveCount(0);
  await expect(row).toContainText('Длительность');
  expect(loads).toBe(0);

  // The talk was Russian: its clip is ready, and its title and captions come from the Russian transcript.
  await row.locator('a.video-title').click();
  const clip = page.locator('[data-testid="clip"][data-status="ready"]').first();
  await expect(clip).toBeVisible({ timeout: 30_000 });
  await expect(clip.locator('a.clip-title')).toHaveText(/[А-Яа-яЁё]{3,}/);
  await expect(page.getByTestId('transcript')).toContainText(/[А-Яа-яЁё]{3,}/);
  await page.goto('/videos');
  await hydrated(page);

  // After a reload the state comes from the database.
  await page.reload();
  await hydrated(page);
  await expect(page.locator('.video-row').first().getByTestId('video-status')).toHaveText('Готово');

  // Deleting asks first, then removes the card.
  page.once('dialog', (d) => d.dismiss());
  await page.locator('.video-row').first().getByTestId('video-delete').click();
  await expect(page.locator('.video-row')).toHaveCount(1);
  page.once('dialog', (d) => d.accept());
  await page.locator('.video-row').first().getByTestId('video-delete').click();
  await expect(page.locator('.video-row')).toHaveCount(0);
});

test('the videos page needs a session', async ({ page }) => {
  await page.goto('/videos');
  await expect(page).toHaveURL(/\/login\?next=\/videos$/);
});
