import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Benchmarks driven through Chromium (bench/vault/run): not part of the test suite.
export default defineConfig({ ...base, testDir: './bench', testMatch: '*.bench.ts', timeout: 600_000 });
