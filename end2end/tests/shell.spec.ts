import { expect, test } from '@playwright/test';
import { signUpAndLogIn } from './helpers';

test('the landing page is rendered on the server in Russian', async ({ request }) => {
  const res = await request.get('/');
  expect(res.status()).toBe(200);
  const html = await res.text();
  expect(html).toContain('<html lang="ru"');
  expect(html).toContain('Из длинного видео — короткие вертикальные клипы');
});

test('it hydrates and the language switch changes the text without a reload, and survives one', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('hero-title')).toHaveText('Из длинного видео — короткие вертикальные клипы');

  // A marker on window disappears if the page reloads.
  await page.evaluate(() => { (window as unknown as { marker: number }).marker = 42; });
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('hero-title')).toHaveText('Turn long videos into short vertical clips');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  await expect(page.locator('[data-plan="business"]')).toContainText('Unlimited minutes');

  await page.reload();
  await expect(page.getByTestId('hero-title')).toHaveText('Turn long videos into short vertical clips');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // And back.
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('hero-title')).toHaveText('Из длинного видео — короткие вертикальные клипы');
  expect(errors).toEqual([]);
});

test('the navigation reaches every section and unknown pages are a 404', async ({ page, request, baseURL }) => {
  await signUpAndLogIn(page, request, baseURL!);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const sections: [string, string][] = [
    ['/videos', 'Видео'],
    ['/clips', 'Клипы'],
    ['/analytics', 'Аналитика'],
    ['/team', 'Команда'],
    ['/settings', 'Настройки'],
    ['/billing', 'Тарифы и оплата'],
  ];
  for (const [href, title] of sections) {
    await page.locator(`nav a[href="${href}"]`).click();
    await expect(page).toHaveURL(new RegExp(`${href}$`));
    await expect(page.locator('h1')).toHaveText(title);
    await expect(page.locator(`nav a[href="${href}"]`)).toHaveAttribute('aria-current', 'page');
  }
  const res = await page.goto('/definitely-not-here');
  expect(res?.status()).toBe(404);
  await expect(page.locator('h2')).toHaveText('Страница не найдена');
});

test('the layout fits a 360 px wide phone without horizontal scrolling', async ({ page, request, baseURL }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signUpAndLogIn(page, request, baseURL!);
  for (const path of ['/', '/videos', '/login', '/settings/profile', '/billing', '/settings/platforms']) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    // On failure, name the elements that stick out.
    const culprits = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
        .slice(0, 8),
    );
    expect(overflow, `${path}: ${culprits.join(', ')}`).toBeLessThanOrEqual(0);
  }
});

test('/api/health is green', async ({ request }) => {
  const res = await request.get('/api/health');
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ db: 'ok', redis: 'ok', storage: 'ok', down: [] });
});
