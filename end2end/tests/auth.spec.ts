import { expect, test } from '@playwright/test';
import { PASSWORD, hydrated, mailLink, uniqueEmail } from './helpers';

test('register, confirm from the mail, log in, reach the dashboard, log out', async ({ page, request }) => {
  const email = uniqueEmail('flow');
  await page.goto('/register');
  await hydrated(page);
  await page.fill('#field-name', 'Анна');
  await page.fill('#field-email', email);
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await expect(page.getByTestId('register-done')).toContainText('Откройте письмо');

  const link = await mailLink(request, email);
  await page.goto(link);
  await expect(page.getByTestId('verify-status')).toHaveText('Почта подтверждена. Можно загружать видео.');

  // A protected page sends us to log in and back.
  await page.goto('/videos');
  await page.waitForURL(/\/login\?next=\/videos$/);
  await hydrated(page);
  await page.fill('#field-email', email);
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  // Anchored on the path: the login page's own ?next=/videos matches a bare /videos$.
  await page.waitForURL(/:\d+\/videos$/);
  await expect(page.getByTestId('user-email')).toHaveText(email);

  await page.goto('/dashboard');
  await hydrated(page);
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);
});

test('forms show translated errors inline', async ({ page }) => {
  await page.goto('/register');
  await hydrated(page);
  await page.fill('#field-email', uniqueEmail('weak'));
  await page.fill('#field-password', 'qwertyuiop');
  await page.click('button[type=submit]');
  await expect(page.getByTestId('error-password')).toContainText('слишком распространён');

  await page.goto('/login');
  await hydrated(page);
  await page.getByTestId('lang-switch').click();
  await page.fill('#field-email', uniqueEmail('nobody'));
  await page.fill('#field-password', 'not the password');
  await page.click('button[type=submit]');
  await expect(page.getByTestId('form-error')).toHaveText('Wrong email or password.');
  await page.getByTestId('lang-switch').click();
});

test('the VK ID button signs in (development simulation) and comes back to the page asked for', async ({ page }) => {
  await page.goto('/analytics');
  await page.waitForURL(/\/login\?next=\/analytics$/);
  await hydrated(page);
  await page.getByTestId('vk-login').click();
  await page.waitForURL(/:\d+\/analytics$/);
  await expect(page.getByTestId('user-email')).toHaveText('vk-demo@clipmaker.local');
  // The page came back by a full navigation: the button works once it has hydrated.
  await hydrated(page);
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
});
