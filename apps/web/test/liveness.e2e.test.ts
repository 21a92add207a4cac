/**
 * End to end: the real CLI serving the built UI is killed (SIGKILL) under an open page and started again on the
 * same port. The page must stop looking healthy at once (grey cards, "last seen", actions off) and be live again
 * within 2 s of the server listening — the /healthz probe resets the realtime backoff. Measured, bounded, printed.
 * Skipped when /usr/bin/chromium is absent (never downloads a browser).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveArgs, startCli, type CliRun } from '../../server/test/helpers/cli';
import { fixtureSubset } from '../../server/test/helpers/server';
import { CHROMIUM, WIDE, buildUi, launch, screenshot } from './helpers/browser';

/** The UI must be live again within this long after the server listens (the bound). */
const RECONNECT_BOUND_MS = 2000;

describe.skipIf(!existsSync(CHROMIUM))('server down and back (chromium, real CLI)', () => {
  let browser: Browser;
  let page: Page;
  let outDir: string;
  let dataDir: string;
  let plugins: string;
  let cli: CliRun | null = null;
  const pageErrors: string[] = [];

  const serve = (port: string) =>
    startCli([...serveArgs(plugins, dataDir), '--port', port], { BASTION_WEB_DIR: outDir, BASTION_LOG_LEVEL: 'error' });

  beforeAll(async () => {
    outDir = await buildUi();
    dataDir = mkdtempSync(path.join(tmpdir(), 'bastion-e2e-live-'));
    plugins = fixtureSubset(['ok', 'missing-package']);
    browser = await launch();
    page = await browser.newPage({ viewport: WIDE });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('greys the cards out while the server is dead and is live again within 2 s of it listening', async () => {
    cli = serve('0');
    const url = await cli.url;
    const port = new URL(url).port;
    await page.goto(`${url}/`);
    const card = page.locator('article.plugin-card', { has: page.getByRole('heading', { name: 'ok', exact: true }) });
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 30_000 }).toBe('INITIALIZED');
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-conn')).toBe('open');
    expect(await card.getAttribute('data-stale')).toBeNull();

    // Kill the server outright: no goodbye on the socket, no chance to say anything.
    const killedAt = Date.now();
    cli.child.kill('SIGKILL');
    await cli.exited;
    await expect.poll(() => card.getAttribute('data-stale'), { timeout: 10_000 }).toBe('true');
    const noticedMs = Date.now() - killedAt;
    expect(await card.getByRole('button', { name: 'Restart ok' }).isDisabled()).toBe(true);
    expect(await card.getByRole('link', { name: 'echo' }).count()).toBe(0);
    expect(await page.getByTestId('connection').textContent()).toContain('Server unreachable');
    // Long enough down for the realtime client's own backoff to have grown past the bound.
    await page.waitForTimeout(4000);
    expect(await card.getByTestId('last-seen').textContent()).toMatch(/last seen [3-9] s ago/);
    await screenshot(page, 'plugins-server-down-wide');

    cli = serve(port);
    await cli.url;
    const listeningAt = Date.now();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="connection"]')?.getAttribute('data-conn') === 'open',
      undefined,
      { timeout: 10_000, polling: 50 },
    );
    const reconnectMs = Date.now() - listeningAt;
    await expect.poll(() => card.getAttribute('data-stale'), { timeout: 5000 }).toBeNull();
    expect(await card.getByRole('button', { name: 'Restart ok' }).isDisabled()).toBe(false);
    // Printed for bench/README-style reporting; bounded as the issue asks.
    console.log(`liveness: noticed the dead server in ${noticedMs} ms; live again ${reconnectMs} ms after listening`);
    expect(reconnectMs).toBeLessThan(RECONNECT_BOUND_MS);
    expect(pageErrors).toEqual([]);
  });
});
