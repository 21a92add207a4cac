/**
 * End to end: a real server (real sandboxed workers) serving the built UI, driven by Debian's chromium through
 * playwright-core. Skipped when /usr/bin/chromium is absent (never downloads a browser).
 */
import { existsSync, rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, startTestServer, type TestServer } from '../../server/test/helpers/server';
import {
  CHROMIUM,
  NARROW,
  TABLET,
  WIDE,
  buildUi,
  horizontalOverflow,
  launch,
  screenshot,
  seriousA11yViolations,
} from './helpers/browser';

describe.skipIf(!existsSync(CHROMIUM))('web UI end to end (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = await buildUi();
    process.env.BASTION_WEB_DIR = outDir;
    server = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'throws', 'exits', 'missing-package'])],
      listen: true,
    });
    browser = await launch();
    page = await browser.newPage({ viewport: WIDE });
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
    // Plain word first, the lifecycle state as the detail.
    await expect.poll(() => ok.locator('.badge').textContent()).toBe('readyINITIALIZED');
    const throws = page.locator('article.plugin-card', {
      has: page.getByRole('heading', { name: 'throws', exact: true }),
    });
    expect(await throws.getAttribute('data-state')).toBe('INITIALIZED');
    const missing = page.locator('article.plugin-card[data-state="UNAVAILABLE"]');
    await expect.poll(() => missing.count()).toBe(1);
    expect(await missing.locator('.reason').textContent()).toContain('DEPENDENCY_MISSING');
    expect(await missing.locator('.reason-text').textContent()).toMatch(/npm install/);
    await expect.poll(() => page.locator('.live').getAttribute('data-conn')).toBe('open');
    await screenshot(page, 'plugins-wide');
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
    await screenshot(page, 'run-result-wide');
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
    await screenshot(page, 'run-tool-error-wide');
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
    await screenshot(page, 'jobs-wide');
    expect(pageErrors).toEqual([]);
  });

  it('a plugin crashing mid-use shows the banner; the page keeps working and the plugin can be restarted', async () => {
    await page.goto(`${server.url}/#/run/exits/run`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'exits/run failed' });
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.getAttribute('data-code')).toBe('PLUGIN_CRASHED');
    expect(await alert.textContent()).toMatch(/What to do: .*restart/);
    await screenshot(page, 'run-crash-wide');
    await alert.getByRole('button', { name: 'Dismiss' }).click();
    await alert.waitFor({ state: 'detached' });

    // Another plugin still answers, from the same page without a reload.
    await page.getByLabel('Plugin', { exact: true }).selectOption('ok');
    await page.getByLabel('Text', { exact: false }).first().fill('still here');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByTestId('result').textContent(), { timeout: 20_000 }).toContain('still here');

    // The crashed plugin shows as failed on its card, and Restart brings it back.
    await page.getByRole('link', { name: 'Plugins', exact: true }).click();
    const card = page.locator('article.plugin-card', {
      has: page.getByRole('heading', { name: 'exits', exact: true }),
    });
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 20_000 }).toBe('FAILED');
    await card.getByRole('button', { name: 'Restart exits' }).click();
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('INITIALIZED');
    expect(pageErrors).toEqual([]);
  });

  it('every page, light and dark: no serious or critical accessibility violations, no horizontal overflow', async () => {
    const pages: Array<[string, string, string]> = [
      ['plugins', '#/plugins', 'Plugins'],
      ['plugin-detail', '#/plugins/ok', 'ok'],
      ['run', '#/run/ok/echo', 'Run a tool'],
      ['jobs', '#/jobs', 'Jobs'],
      ['camera', '#/camera', 'Live camera'],
    ];
    const problems: string[] = [];
    for (const [viewport, tag, colorScheme] of [
      [WIDE, 'wide', 'light'],
      [TABLET, 'tablet', 'light'],
      [NARROW, 'narrow', 'light'],
      [NARROW, 'narrow-dark', 'dark'],
    ] as const) {
      const p = await browser.newPage({ viewport, colorScheme });
      try {
        for (const [name, hash, heading] of pages) {
          await p.goto(`${server.url}/${hash}`);
          await p.getByRole('heading', { level: 1, name: heading }).waitFor();
          await p.locator('[role="status"] .spinner').first().waitFor({ state: 'detached' });
          for (const v of await seriousA11yViolations(p))
            problems.push(`${tag} ${name}: ${v.id} (${v.impact}) ${v.help} at ${v.targets.join(', ')}`);
          const overflow = await horizontalOverflow(p);
          if (overflow > 0) problems.push(`${tag} ${name}: ${overflow}px horizontal overflow`);
          await screenshot(p, `${name}-${tag}`);
        }
      } finally {
        await p.close();
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps the API JSON 404 and serves the UI assets', async () => {
    const notFound = await fetch(`${server.url}/v1/no-such-route`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const missingAsset = await fetch(`${server.url}/assets/nope.js`);
    expect(missingAsset.status).toBe(404);
    // The built script goes out precompressed, and no source map is published.
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
    expect(script).toBeTruthy();
    const js = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(js.headers.get('content-encoding')).toBe('br');
    expect((await js.text()).length).toBeGreaterThan(100_000);
    expect((await fetch(`${server.url}${script}.map`)).status).toBe(404);
  });
});
