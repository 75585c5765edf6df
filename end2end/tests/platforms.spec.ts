import { expect, test } from '@playwright/test';
import { SIMULATED_BOT_TOKEN as BOT_TOKEN, hydrated, signUpAndLogIn } from './helpers';

// Settings → Platforms against the platform simulator that scripts/test starts (testkit's fake-platforms): its fake
// Telegram Bot API knows one bot that administers @clipmaker_test.

test('connect a Telegram channel, test it and disconnect it', async ({ page, request, baseURL }) => {
  await signUpAndLogIn(page, request, baseURL!);
  await page.goto('/settings');
  await page.getByTestId('settings-platforms').click();
  await page.waitForURL(/\/settings\/platforms$/);
  await hydrated(page);
  const card = page.getByTestId('platform-telegram');
  await expect(card).toHaveAttribute('data-status', 'none');

  // A channel the bot is not in: the page says what to do, nothing is connected.
  await page.getByTestId('telegram-token').fill(BOT_TOKEN);
  await page.getByTestId('telegram-channel').fill('@somebody_elses');
  await page.getByTestId('telegram-connect').click();
  await expect(page.getByTestId('platform-error')).toContainText('Канал не найден');
  await expect(card).toHaveAttribute('data-status', 'none');

  await page.getByTestId('telegram-channel').fill('https://t.me/clipmaker_test');
  await page.getByTestId('telegram-connect').click();
  await expect(card).toHaveAttribute('data-status', 'active');
  await expect(page.getByTestId('telegram-connected')).toContainText('@clipmaker_test_bot');
  await expect(page.getByTestId('telegram-connected')).toContainText('@clipmaker_test');
  // The token is never shown again, not even in the page's source.
  await expect(page.getByTestId('telegram-form')).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  expect(await page.content()).not.toContain(BOT_TOKEN.split(':')[1]);

  await page.getByTestId('telegram-test').click();
  await expect(card).toHaveAttribute('data-status', 'active');
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('telegram-disconnect').click();
  await expect(card).toHaveAttribute('data-status', 'none');
  await expect(page.getByTestId('telegram-form')).toBeVisible();
});

test('connect VK through VK ID (simulated), choose a community and test it', async ({ page, request, baseURL }) => {
  await signUpAndLogIn(page, request, baseURL!);
  await page.goto('/settings/platforms');
  await hydrated(page);
  await expect(page.getByTestId('platform-vk')).toHaveAttribute('data-status', 'none');
  // A full-page round trip through VK ID (simulated here), back to the page with the outcome.
  await page.getByTestId('vk-connect').click();
  await page.waitForURL(/\/settings\/platforms\?connected=vk$/);
  await hydrated(page);
  await expect(page.getByTestId('vk-flow-done')).toBeVisible();
  await expect(page.getByTestId('platform-vk')).toHaveAttribute('data-status', 'active');
  await expect(page.getByTestId('vk-connected')).toContainText('Иван Петров');

  // The user's page first, then the community the simulator's user edits.
  const target = page.getByTestId('vk-target');
  await expect(target.locator('option')).toHaveCount(2);
  await target.selectOption({ label: 'ClipMaker Test Community' });
  await expect(page.getByTestId('vk-connected')).toContainText('ClipMaker Test Community');
  await page.getByTestId('vk-test').click();
  await expect(page.getByTestId('platform-vk')).toHaveAttribute('data-status', 'active');

  // A flow that does not belong to this browser is refused with a message, and nothing changes.
  await page.goto('/settings/platforms/vk/callback?code=x&state=forged');
  await page.waitForURL(/\/settings\/platforms\?error=vk_state$/);
  await expect(page.getByTestId('vk-flow-error')).toContainText('устарела');
});
