import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hydrated, signUpAndLogIn, talkVideo } from './helpers';

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

/** Creates a vault on the keys page and leaves it unlocked. */
async function createVault(page: Page): Promise<void> {
  await page.goto('/settings/keys');
  await hydrated(page);
  await page.getByTestId('vault-password').fill(VAULT_PASSWORD);
  await page.getByTestId('vault-password-repeat').fill(VAULT_PASSWORD);
  await page.getByTestId('vault-create').click();
  await expect(page.getByTestId('vault')).toHaveAttribute('data-phase', 'unlocked', { timeout: 20_000 });
}

/** Stores `key` for `provider` in the unlocked vault. */
async function saveKey(page: Page, provider: string, key: string): Promise<void> {
  await page.getByTestId('vault-provider').selectOption(provider);
  await page.getByTestId('vault-secret').fill(key);
  await page.getByTestId('vault-save-key').click();
  await expect(page.locator(`[data-testid="vault-key"][data-provider="${provider}"]`)).toContainText(key.slice(-4));
}

test('the vault locks itself after the chosen minutes without activity', async ({ page, request, baseURL }) => {
  // The page's clock is Playwright's: it runs normally and is moved forward instead of waiting five minutes.
  await page.clock.install();
  await signUpAndLogIn(page, request, baseURL!);
  await createVault(page);
  await page.getByTestId('vault-auto-lock').selectOption('5');
  await page.clock.fastForward('04:00');
  await expect(page.getByTestId('vault')).toHaveAttribute('data-phase', 'unlocked');
  await page.clock.fastForward('01:05');
  await expect(page.getByTestId('vault')).toHaveAttribute('data-phase', 'locked');
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Where the e2e stack keeps `secret`: database dump, Redis keys and values, stored objects, server and worker logs. */
function tracesOf(secret: string): string[] {
  const found: string[] = [];
  const dump = execFileSync('pg_dump', ['--no-owner', '--dbname', process.env.DATABASE_URL!], { maxBuffer: 1 << 28 });
  if (dump.includes(secret)) found.push('database');
  const redis = (...args: string[]) =>
    execFileSync('redis-cli', ['-u', process.env.REDIS_URL!, '--raw', ...args], { maxBuffer: 1 << 26 }).toString();
  const keys = redis('--scan', '--pattern', `${process.env.REDIS_KEY_PREFIX}*`).split('\n').filter(Boolean);
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    const read: Record<string, string[]> = {
      string: ['GET', key],
      list: ['LRANGE', key, '0', '-1'],
      hash: ['HGETALL', key],
      set: ['SMEMBERS', key],
      zset: ['ZRANGE', key, '0', '-1'],
      stream: ['XRANGE', key, '-', '+'],
    };
    const args = read[redis('TYPE', key).trim()];
    if (key.includes(secret) || (args && redis(...args).includes(secret))) found.push(`redis ${key}`);
  }
  for (const file of filesUnder(process.env.S3_DATA_DIR!)) {
    if (readFileSync(file).includes(secret)) found.push(`object ${file}`);
  }
  for (const log of ['e2e-server.log', 'e2e-worker.log']) {
    if (readFileSync(join(process.env.CM_LOGS!, log)).includes(secret)) found.push(`log ${log}`);
  }
  return found;
}

test('a key from the unlocked vault is tested, pays for an upload through the sealed hand-off, and leaves no trace', async ({
  page,
  request,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const canary = `sk-e2e-canary-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'cm-e2e-handoff-'));
  try {
    const talk = talkVideo(dir, [
      'Why do most short videos never get views? Because the best moment is buried at the very end of the video.',
      'Move your strongest line into the first three seconds, and keep every clip short and easy to follow.',
    ]);
    await signUpAndLogIn(page, request, baseURL!);
    const prefs = await page.request.post('/api/user/clip-preferences', {
      form: { clip_count: '1', clip_length: '15-30' },
      headers: { Origin: baseURL! },
    });
    expect(prefs.status()).toBe(200);
    await createVault(page);

    // "Test key": one minimal call through the server, which reports what the provider said.
    await saveKey(page, 'cloudru', 'sk-wrong-key-0000');
    await page.getByTestId('vault-test').click();
    await expect(page.getByTestId('vault-test-result')).toHaveAttribute('data-result', 'refused');
    await saveKey(page, 'cloudru', canary);
    await page.getByTestId('vault-test').click();
    await expect(page.getByTestId('vault-test-result')).toHaveAttribute('data-result', 'valid');

    // Upload with the vault still unlocked: navigate inside the app (a reload would lock it).
    await page.locator('a[href="/videos"]').first().click();
    await page.getByTestId('file-input').setInputFiles(talk);
    await expect(page.getByTestId('upload-progress')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
    const row = page.locator('.video-row').first();
    await expect(row).toHaveAttribute('data-status', /^(completed|failed)$/, { timeout: 240_000 });
    await expect(row).toHaveAttribute('data-status', 'completed');

    // The provider received the canary as its key; the video page says the user's key paid.
    const calls = (await (await request.get(`${process.env.FAKE_LLM_URL}/__calls`)).json()) as { authorization: string }[];
    expect(calls.some((c) => c.authorization === `Bearer ${canary}`)).toBe(true);
    await row.locator('a.video-title').click();
    await hydrated(page);
    await expect(page.getByTestId('cost-llm')).toHaveAttribute('data-key', 'user');
    await expect(page.getByTestId('cost-stt')).toHaveAttribute('data-key', 'local');

    // Nowhere else: not in the database, Redis, the stored objects or the logs.
    expect(tracesOf(canary)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
