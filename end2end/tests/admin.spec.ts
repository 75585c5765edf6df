import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD, hydrated, signUpAndLogIn } from './helpers';

/** `server admin grant EMAIL`: the same binary and environment as the e2e server. */
function grantOperator(email: string): void {
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'clipmaker', 'target');
  execFileSync(join(target, 'debug', 'server'), ['admin', 'grant', email], { stdio: 'pipe' });
}

test('a non-operator gets 404; an operator finds a user, grants minutes and blocks them, and it is audited', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  // The user who will be blocked, signed in in their own browser.
  const userCtx = await browser.newContext();
  const user = await userCtx.newPage();
  const userEmail = await signUpAndLogIn(user, userCtx.request, baseURL!);
  await user.goto('/admin');
  await expect(user.locator('h1')).toHaveText('404');
  await expect(user.getByTestId('nav-admin')).toHaveCount(0);

  const opCtx = await browser.newContext();
  const op = await opCtx.newPage();
  const opEmail = await signUpAndLogIn(op, opCtx.request, baseURL!);
  grantOperator(opEmail);
  await op.goto('/dashboard');
  await hydrated(op);
  await op.getByTestId('nav-admin').click();
  await op.waitForURL(/:\d+\/admin$/);
  await hydrated(op);

  await op.getByTestId('admin-search').fill(userEmail);
  await op.getByTestId('admin-apply').click();
  const row = op.locator(`[data-testid="admin-user"][data-email="${userEmail}"]`);
  await expect(row).toHaveCount(1);
  await expect(op.getByTestId('admin-user')).toHaveCount(1);
  await row.getByTestId('admin-open').click();
  const detail = op.getByTestId('admin-detail');
  await expect(detail).toHaveAttribute('data-email', userEmail);
  await expect(detail.getByTestId('admin-sessions')).toHaveAttribute('data-count', '1');

  await detail.getByTestId('admin-grant-minutes').fill('60');
  await detail.getByTestId('admin-grant').click();
  await expect(detail.getByTestId('admin-extra')).toHaveText('60');

  op.once('dialog', (d) => d.accept());
  await detail.getByTestId('admin-block').click();
  await expect(detail).toHaveAttribute('data-status', 'blocked');
  await expect(detail.getByTestId('admin-no-sessions')).toBeVisible();
  await expect(detail.getByTestId('admin-unblock')).toBeVisible();
  const audit = op.locator(`[data-testid="admin-audit"][data-target="${userEmail}"]`);
  await expect(audit).toHaveCount(2);
  await expect(audit.first()).toHaveAttribute('data-action', 'block');
  await expect(audit.nth(1)).toHaveAttribute('data-action', 'grant_minutes');
  await expect(op.locator('[data-testid="admin-queue"][data-queue="stt"]')).toHaveCount(1);

  // The blocked user's session ended: their next page load goes to the login, which refuses them with the reason.
  await user.goto('/dashboard');
  await user.waitForURL(/\/login\?next=\/dashboard$/);
  await hydrated(user);
  await user.fill('#field-email', userEmail);
  await user.fill('#field-password', PASSWORD);
  await user.click('button[type=submit]');
  await expect(user.getByTestId('form-error')).toContainText('Аккаунт заблокирован');
  await userCtx.close();
  await opCtx.close();
});
