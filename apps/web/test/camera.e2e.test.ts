/**
 * End to end for the Live camera page: a real server with the bundled `motion` plugin, the built UI, and Debian's
 * chromium with its fake camera (a synthetic moving picture; the permission prompt is auto-accepted). Frames go
 * over `/v1/stream` as JSON; the test checks results reach the page and the server, and that stopping closes the
 * stream without an error. Skipped when /usr/bin/chromium is absent (never downloads a browser).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/helpers/server';

const CHROMIUM = '/usr/bin/chromium';
const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT = '/tmp/camera-e2e.png';
const POLL = { timeout: 30_000 };

interface Health {
  state: string;
  success_count: number;
  error_count: number;
  in_flight: number;
  queue_depth: number;
}

/** What the browser's `/v1/stream` sockets did, seen from outside the page. */
interface StreamLog {
  opened: number;
  closed: number;
  socketErrors: string[];
  framesSent: number;
  results: number;
  errors: string[];
}

describe.skipIf(!existsSync(CHROMIUM))('live camera end to end (chromium, fake camera)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const pageErrors: string[] = [];
  const log: StreamLog = { opened: 0, closed: 0, socketErrors: [], framesSent: 0, results: 0, errors: [] };

  const health = async (): Promise<Health> =>
    (await (await fetch(`${server.url}/v1/plugins/motion/health`)).json()) as Health;

  beforeAll(async () => {
    // Build this checkout's UI into a temp folder and serve that, so the test never sees a stale dist/.
    outDir = mkdtempSync(path.join(tmpdir(), 'bastion-web-'));
    await build({ root: WEB_ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true, sourcemap: false } });
    process.env.BASTION_WEB_DIR = outDir;
    // Only the bundled motion plugin loads: the page prefers motion/detect_motion, and it is cheap.
    server = await startTestServer({
      pluginsDirs: [],
      listen: true,
      config: {
        bundledPlugins: true,
        file: {
          plugins: {
            ocr: { enabled: false },
            'object-detection': { enabled: false },
            'video-tracker': { enabled: false },
          },
        },
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('websocket', (ws) => {
      if (!new URL(ws.url()).pathname.endsWith('/v1/stream')) return;
      log.opened++;
      ws.on('framesent', () => log.framesSent++);
      ws.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string') return;
        const msg = JSON.parse(payload) as { type: string; payload: { code?: string; message?: string } };
        if (msg.type === 'result') log.results++;
        else if (msg.type === 'error') log.errors.push(`${msg.payload.code}: ${msg.payload.message}`);
      });
      ws.on('socketerror', (err) => log.socketErrors.push(err));
      ws.on('close', () => log.closed++);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    delete process.env.BASTION_WEB_DIR;
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('streams the camera to motion/detect_motion, shows live results, and stops cleanly', async () => {
    const before = await health();
    expect(before.state).toBe('INITIALIZED');

    await page.goto(`${server.url}/#/camera`);
    await page.getByRole('heading', { name: 'Live camera' }).waitFor();
    const tool = page.getByLabel('Tool', { exact: true });
    await tool.waitFor(POLL);
    await tool.selectOption('motion/detect_motion');
    expect(await tool.inputValue()).toBe('motion/detect_motion');
    // detect_motion needs a session id; the page fills in a fresh one.
    const session = page.getByLabel('Session id', { exact: false });
    expect(await session.inputValue()).toMatch(/^camera-\w+$/);

    const media = page.locator('.media-box');
    expect(await media.getAttribute('data-running')).toBe('false');
    await page.getByRole('button', { name: 'Start camera' }).click();
    await expect.poll(() => media.getAttribute('data-running'), POLL).toBe('true');

    // Results arrive: the rolling rate and the latency become real numbers.
    await page.waitForFunction(
      () => {
        const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
        return Number(text('stat-fps')) > 0 && /\d/.test(text('stat-latency')) && Number(text('stat-sent')) >= 3;
      },
      undefined,
      POLL,
    );
    expect(await page.getByTestId('stat-exec').textContent()).toMatch(/\d/);
    await page.getByText('Latest result').waitFor(POLL);
    expect(await page.locator('.camera-view').textContent()).toContain('changed_ratio');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(log.opened).toBe(1);
    expect(log.results).toBeGreaterThan(0);
    expect(log.errors).toEqual([]);

    // The server ran the frames through the plugin.
    await expect.poll(async () => (await health()).success_count, POLL).toBeGreaterThan(before.success_count);
    await page.screenshot({ path: SHOT, fullPage: true });

    await page.getByRole('button', { name: 'Stop camera' }).click();
    await expect.poll(() => media.getAttribute('data-running'), POLL).toBe('false');
    await page.getByText('Camera off').waitFor(POLL);
    await page.getByRole('button', { name: 'Start camera' }).waitFor(POLL);
    // The socket closed, without a socket error or an error notice, and the worker is idle again.
    await expect.poll(() => log.closed, POLL).toBe(1);
    expect(log.socketErrors).toEqual([]);
    expect(log.errors).toEqual([]);
    expect(await page.getByRole('alert').count()).toBe(0);
    await expect
      .poll(async () => {
        const h = await health();
        return { state: h.state, in_flight: h.in_flight, queue_depth: h.queue_depth, errors: h.error_count };
      }, POLL)
      .toEqual({ state: 'INITIALIZED', in_flight: 0, queue_depth: 0, errors: before.error_count });
    expect(pageErrors).toEqual([]);
  });

  it('releases the camera when the page is left while the camera is still starting', async () => {
    const slow = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    slow.on('pageerror', (err) => errors.push(err.message));
    // Hold getUserMedia's answer back (like an open permission prompt) and keep the streams it hands out.
    await slow.addInitScript(() => {
      const md = navigator.mediaDevices;
      const real = md.getUserMedia.bind(md);
      const w = window as unknown as { camStreams: MediaStream[]; releaseCam: () => void };
      w.camStreams = [];
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      w.releaseCam = () => release();
      md.getUserMedia = async (constraints) => {
        await gate;
        const stream = await real(constraints);
        w.camStreams.push(stream);
        return stream;
      };
    });
    try {
      await slow.goto(`${server.url}/#/camera`);
      await slow.getByRole('button', { name: 'Start camera' }).click();
      await slow.getByRole('button', { name: 'Starting…' }).waitFor(POLL);
      await slow.getByRole('link', { name: 'Plugins' }).click();
      await slow.getByRole('heading', { name: 'Live camera' }).waitFor({ state: 'detached', ...POLL });
      await slow.evaluate(() => (window as unknown as { releaseCam: () => void }).releaseCam());
      await slow.waitForFunction(() => (window as unknown as { camStreams: MediaStream[] }).camStreams.length === 1);
      // The camera the late answer brought is switched off again, and nothing threw.
      await expect
        .poll(
          () =>
            slow.evaluate(() =>
              (window as unknown as { camStreams: MediaStream[] }).camStreams[0]!.getTracks().map((t) => t.readyState),
            ),
          POLL,
        )
        .toEqual(['ended']);
      expect(errors).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});
