import { test, expect } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { hydrated, signUpAndLogIn } from '../tests/helpers';

// bench/vault (issue 19): unlocking the key vault at 600 000 PBKDF2 iterations, with the derivation in WebCrypto (what
// the app uses) and in the `pbkdf2` crate compiled to wasm (`?derive=wasm`), and WebCrypto's PBKDF2 called directly in
// the same page. Writes the figures as JSON to $BENCH_OUT.
const RUNS = 5;
const VAULT_PASSWORD = 'bench-vault-password-2026';

test('vault unlock', async ({ page, request, baseURL }) => {
  await signUpAndLogIn(page, request, baseURL!);

  const vault = page.getByTestId('vault');
  await page.goto('/settings/keys');
  await hydrated(page);
  await page.getByTestId('vault-password').fill(VAULT_PASSWORD);
  await page.getByTestId('vault-password-repeat').fill(VAULT_PASSWORD);
  await page.getByTestId('vault-create').click();
  await expect(vault).toHaveAttribute('data-phase', 'unlocked', { timeout: 60_000 });

  const results: Record<string, { derive_ms: number[]; unlock_ms: number[] }> = {};
  for (const mode of ['webcrypto', 'wasm']) {
    results[mode] = { derive_ms: [], unlock_ms: [] };
    for (let i = 0; i < RUNS; i++) {
      await page.goto(`/settings/keys${mode === 'wasm' ? '?derive=wasm' : ''}`);
      await hydrated(page);
      await expect(vault).toHaveAttribute('data-phase', 'locked');
      await page.getByTestId('vault-password').fill(VAULT_PASSWORD);
      const started = Date.now();
      await page.getByTestId('vault-unlock').click();
      await expect(vault).toHaveAttribute('data-phase', 'unlocked', { timeout: 60_000 });
      results[mode].unlock_ms.push(Date.now() - started);
      await expect(vault).toHaveAttribute('data-derive', mode);
      results[mode].derive_ms.push(Number(await vault.getAttribute('data-derive-ms')));
    }
  }
  const direct = await page.evaluate(async (runs) => {
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const raw = new TextEncoder().encode('bench-vault-password-2026');
      const key = await crypto.subtle.importKey('raw', raw, 'PBKDF2', false, ['deriveBits']);
      const salt = crypto.getRandomValues(new Uint8Array(16));
      await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 600_000 }, key, 256);
      out.push(performance.now() - started);
    }
    return out;
  }, RUNS);
  writeFileSync(process.env.BENCH_OUT!, JSON.stringify({ ...results, webcrypto_direct_ms: direct }));
});
