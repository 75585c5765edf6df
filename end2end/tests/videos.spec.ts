import { test, expect } from '@playwright/test';
import { hydrated, signUpAndLogIn } from './helpers';

test('the demo job moves the progress bar and changes the status live, without a reload', async ({ page, request, baseURL }) => {
  await signUpAndLogIn(page, request, baseURL!);
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

  await expect(row.getByTestId('video-status')).toHaveText('Готово', { timeout: 60_000 });
  await expect(row).toHaveAttribute('data-status', 'completed');
  await expect(row.getByTestId('video-progress')).toHaveCount(0);
  await expect(row).toContainText('Длительность');
  expect(loads).toBe(0);

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
