/**
 * End to end: a real server (real sandboxed workers) serving the built UI, driven by Debian's chromium through
 * playwright-core. Skipped when /usr/bin/chromium is absent (never downloads a browser).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, startTestServer, type TestServer } from '../../server/test/helpers/server';

const CHROMIUM = '/usr/bin/chromium';
const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = process.env.BASTION_E2E_SHOTS ?? tmpdir();

describe.skipIf(!existsSync(CHROMIUM))('web UI end to end (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Build this checkout's UI into a temp folder and serve that, so the test never sees a stale dist/.
    outDir = mkdtempSync(path.join(tmpdir(), 'bastion-web-'));
    await build({ root: WEB_ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true, sourcemap: false } });
    process.env.BASTION_WEB_DIR = outDir;
    server = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws', 'missing-package'])], listen: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    delete process.env.BASTION_WEB_DIR;
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('shows every plugin with its state, and the reason of an unavailable one', async () => {
    await page.goto(`${server.url}/`);
    const ok = page.locator('article.plugin-card', { has: page.getByRole('heading', { name: 'ok', exact: true }) });
    await expect.poll(() => ok.getAttribute('data-state')).toBe('INITIALIZED');
    await expect.poll(() => ok.locator('.badge').textContent()).toBe('INITIALIZED');
    const throws = page.locator('article.plugin-card', {
      has: page.getByRole('heading', { name: 'throws', exact: true }),
    });
    expect(await throws.getAttribute('data-state')).toBe('INITIALIZED');
    const missing = page.locator('article.plugin-card[data-state="UNAVAILABLE"]');
    await expect.poll(() => missing.count()).toBe(1);
    expect(await missing.locator('.reason').textContent()).toContain('DEPENDENCY_MISSING');
    expect(await missing.locator('.reason-text').textContent()).toMatch(/npm install/);
    await expect.poll(() => page.locator('.live').getAttribute('data-conn')).toBe('open');
    await page.screenshot({ path: path.join(SHOTS, 'bastion-e2e-plugins.png'), fullPage: true });
  });

  it('runs ok/echo through the generated form and shows the result', async () => {
    await page.goto(`${server.url}/#/run/ok/echo`);
    const text = page.getByLabel('Text', { exact: false }).first();
    await text.waitFor();
    await text.fill('hello from the browser');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const result = page.getByTestId('result');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toContain('hello from the browser');
    expect(await result.locator('.pill').textContent()).toMatch(/ms/);
    await page.screenshot({ path: path.join(SHOTS, 'bastion-e2e-echo.png'), fullPage: true });
  });

  it('shows form errors before sending when a required field is empty', async () => {
    await page.goto(`${server.url}/#/run/ok/echo`);
    await page.reload();
    const input = page.getByLabel('Text', { exact: false }).first();
    await input.waitFor();
    await input.fill('');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.field-error', { hasText: 'required' }).waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
  });

  it('runs throws/run and shows TOOL_ERROR with its message and a hint', async () => {
    await page.goto(`${server.url}/#/run/throws/run`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'TOOL_ERROR' });
    await alert.waitFor({ timeout: 20_000 });
    const text = await alert.textContent();
    expect(text).toContain('boom from plugin');
    expect(text).toContain('still available');
    await page.screenshot({ path: path.join(SHOTS, 'bastion-e2e-tool-error.png'), fullPage: true });
    // the plugin stays available
    const health = (await (await fetch(`${server.url}/v1/plugins/throws/health`)).json()) as {
      state: string;
      error_count: number;
    };
    expect(health.state).toBe('INITIALIZED');
    expect(health.error_count).toBe(1);
  });

  it('submits a job, follows its progress live and shows it on the jobs page', async () => {
    await page.goto(`${server.url}/#/run/ok/slow`);
    await page.getByLabel('Ms', { exact: false }).first().fill('1500');
    await page.getByLabel('Run as a background job').check();
    await page.getByRole('button', { name: 'Submit job' }).click();
    const card = page.locator('article.job');
    await card.waitFor({ timeout: 20_000 });
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    expect(await card.textContent()).toMatch(/partial results? received/);
    expect(await page.getByTestId('result').textContent()).toContain('1500');

    await page.goto(`${server.url}/#/jobs`);
    const row = page.locator('.job-list article.job').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('succeeded');
    expect(await row.textContent()).toContain('ok / slow');
    await page.screenshot({ path: path.join(SHOTS, 'bastion-e2e-jobs.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('keeps the API JSON 404 and serves the UI assets', async () => {
    const notFound = await fetch(`${server.url}/v1/no-such-route`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const missingAsset = await fetch(`${server.url}/assets/nope.js`);
    expect(missingAsset.status).toBe(404);
  });
});
