import { test, expect, Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hydrated, signUpAndLogIn } from './helpers';

const VAULT_PASSWORD = 'хранилище-2026-пароль';
const CANARY = 'sk-canary-e2e-7f3a9c41';

/** Everything the page's IndexedDB holds for the vault, as text. */
async function storedVault(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('clipmaker-vault', 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('vaults').objectStore('vaults').getAll();
          all.onsuccess = () => resolve((all.result as string[]).join('\n'));
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

test('the key vault: create, add a key, reload locked, wrong password, unlock, export, delete, import', async ({ page, request, baseURL }) => {
  test.setTimeout(120_000);
  await signUpAndLogIn(page, request, baseURL!);
  await page.goto('/settings/keys');
  await hydrated(page);
  const vault = page.getByTestId('vault');
  await expect(vault).toHaveAttribute('data-phase', 'empty');

  // Mismatched passwords are refused before anything is stored.
  await page.getByTestId('vault-password').fill(VAULT_PASSWORD);
  await page.getByTestId('vault-password-repeat').fill('something else entirely');
  await page.getByTestId('vault-create').click();
  await expect(page.getByTestId('vault-error')).toHaveText('Пароли не совпадают.');

  await page.getByTestId('vault-password-repeat').fill(VAULT_PASSWORD);
  await page.getByTestId('vault-create').click();
  await expect(vault).toHaveAttribute('data-phase', 'unlocked', { timeout: 20_000 });
  await page.getByTestId('vault-provider').selectOption('openai');
  await page.getByTestId('vault-secret').fill(CANARY);
  await page.getByTestId('vault-save-key').click();
  await expect(page.getByTestId('vault-key')).toHaveText(/OpenAI\s*••••9c41/);

  // IndexedDB holds the sealed vault, never the key itself.
  const stored = await storedVault(page);
  expect(stored).toContain('"iterations":600000');
  expect(stored).not.toContain(CANARY);
  expect(stored).not.toContain(VAULT_PASSWORD);

  // A reload forgets the opened key: the vault is locked.
  await page.reload();
  await hydrated(page);
  await expect(vault).toHaveAttribute('data-phase', 'locked');
  await page.getByTestId('vault-password').fill('не тот пароль хранилища');
  await page.getByTestId('vault-unlock').click();
  await expect(page.getByTestId('vault-error')).toContainText('Неверный пароль хранилища', { timeout: 20_000 });
  await expect(vault).toHaveAttribute('data-phase', 'locked');
  await page.getByTestId('vault-password').fill(VAULT_PASSWORD);
  await page.getByTestId('vault-unlock').click();
  await expect(vault).toHaveAttribute('data-phase', 'unlocked', { timeout: 20_000 });
  await expect(page.getByTestId('vault-key')).toHaveText(/OpenAI\s*••••9c41/);
  await expect(page.getByTestId('vault-key')).not.toContainText(CANARY);

  // Export → delete → import → the same keys.
  const dir = mkdtempSync(join(tmpdir(), 'cm-e2e-vault-'));
  try {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('vault-export').click()]);
    const backup = join(dir, 'vault.json');
    await download.saveAs(backup);
    expect(readFileSync(backup, 'utf8')).not.toContain(CANARY);
    page.once('dialog', (d) => d.accept());
    await page.getByTestId('vault-delete').click();
    await expect(vault).toHaveAttribute('data-phase', 'empty');
    await page.getByTestId('vault-import').setInputFiles(backup);
    await expect(vault).toHaveAttribute('data-phase', 'locked');
    await page.getByTestId('vault-password').fill(VAULT_PASSWORD);
    await page.getByTestId('vault-unlock').click();
    await expect(vault).toHaveAttribute('data-phase', 'unlocked', { timeout: 20_000 });
    await expect(page.getByTestId('vault-key')).toHaveText(/OpenAI\s*••••9c41/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Lock now.
  await page.getByTestId('vault-lock').click();
  await expect(vault).toHaveAttribute('data-phase', 'locked');
});
