import { expect, test } from '@playwright/test';
import { hydrated, signUpAndLogIn } from './helpers';

// Billing against the YooKassa simulator that scripts/test starts (testkit's fake-yookassa): its hosted card page and
// its SBP page pay, and its notifications reach the app's webhook from loopback.
test('upgrade to Start by card, buy minutes by SBP, cancel and reactivate', async ({ page, request, baseURL }) => {
  await signUpAndLogIn(page, request, baseURL!);
  await page.goto('/billing');
  await hydrated(page);
  const current = page.getByTestId('current-plan');
  await expect(current).toHaveAttribute('data-plan', 'free');
  await expect(page.getByTestId('billing-not-configured')).toHaveCount(0);

  // Card: off to the simulator's payment page, pay, back to /billing?payment=… which shows the result.
  await page.getByTestId('buy-plan-start-card').click();
  await page.waitForURL(/\/checkout\//);
  await page.getByTestId('sim-pay').click();
  await page.waitForURL(/\/billing\?payment=/);
  await hydrated(page);
  await expect(page.getByTestId('payment-result')).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  await expect(current).toHaveAttribute('data-plan', 'start');
  await expect(current).toHaveAttribute('data-status', 'active');
  // The new limits: 120 minutes a month, a card saved for renewal.
  await expect(current).toContainText('120');
  await expect(page.getByTestId('saved-card')).toContainText('*4444');
  await expect(page.getByTestId('plan-current')).toHaveCount(1);
  await expect(page.locator('[data-plan="start"] [data-testid="plan-current"]')).toHaveCount(1);

  // SBP: the dialog shows a QR code and flips to paid when the "bank" (the simulator's SBP page) pays.
  await page.getByTestId('buy-minutes-30-sbp').click();
  const dialog = page.getByTestId('sbp-dialog');
  await expect(dialog.getByTestId('sbp-qr').locator('svg')).toBeVisible();
  const link = await dialog.getByTestId('sbp-link').getAttribute('href');
  const bank = await page.context().newPage();
  await bank.goto(link!);
  await bank.getByTestId('sim-pay').click();
  await expect(bank.getByTestId('sim-status')).toHaveText('succeeded');
  await bank.close();
  await expect(dialog).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  await expect(dialog.getByTestId('sbp-paid')).toBeVisible();
  await page.getByTestId('sbp-close').click();
  await expect(page.getByTestId('minutes-meter')).toHaveAttribute('data-left', '150');
  await expect(page.getByTestId('payments').getByTestId('payment')).toHaveCount(2);

  // Cancel (confirmed) keeps the plan until the period ends; reactivate undoes it.
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('cancel').click();
  await expect(current).toHaveAttribute('data-status', 'cancelling');
  await expect(current).toHaveAttribute('data-plan', 'start');
  await page.getByTestId('reactivate').click();
  await expect(current).toHaveAttribute('data-status', 'active');
});
