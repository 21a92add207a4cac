/**
 * End to end with the bundled plugins: the Live camera page on `motion` with Debian's chromium and its fake
 * camera (a synthetic moving picture; the permission prompt is auto-accepted), and object detection's results
 * under the confidence slider. Frames go over `/v1/stream` as JSON; the tests check the camera list, the FPS
 * slider's effect on the send rate, boxes drawn live, results reaching the page and the server, and that stopping
 * closes the stream without an error. Skipped when /usr/bin/chromium is absent (never downloads a browser).
 */
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/helpers/server';
import {
  CHROMIUM,
  NARROW,
  WIDE,
  buildUi,
  horizontalOverflow,
  launch,
  screenshot,
  seriousA11yViolations,
} from './helpers/browser';

const POLL = { timeout: 30_000 };
/** The group photo @vladmandic/human ships (assets/samples.jpg): many people, some barely visible. */
const humanEntry = createRequire(import.meta.url).resolve('@vladmandic/human');
const SAMPLE_PHOTO = path.join(
  humanEntry.slice(0, humanEntry.lastIndexOf(`${path.sep}@vladmandic${path.sep}human${path.sep}`)),
  '@vladmandic',
  'human',
  'assets',
  'samples.jpg',
);

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

describe.skipIf(!existsSync(CHROMIUM))('bundled plugins end to end (chromium, fake camera)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let outDir: string;
  const pageErrors: string[] = [];
  const log: StreamLog = { opened: 0, closed: 0, socketErrors: [], framesSent: 0, results: 0, errors: [] };

  const health = async (name = 'motion'): Promise<Health> =>
    (await (await fetch(`${server.url}/v1/plugins/${name}/health`)).json()) as Health;

  beforeAll(async () => {
    outDir = await buildUi();
    process.env.BASTION_WEB_DIR = outDir;
    // motion (cheap, the camera page's first choice) and object-detection (scored boxes) load; the rest do not.
    server = await startTestServer({
      pluginsDirs: [],
      listen: true,
      config: {
        bundledPlugins: true,
        file: {
          plugins: {
            ocr: { enabled: false },
            'video-tracker': { enabled: false },
            'face-detection': { enabled: false },
          },
        },
      },
    });
    browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
    page = await browser.newPage({ viewport: WIDE });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // Browser-side send times of stream frames, to see the FPS slider's effect without the test process's jitter.
    await page.addInitScript(() => {
      const w = window as unknown as { frameTimes: number[] };
      w.frameTimes = [];
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data) {
        if (this.url.includes('/v1/stream')) w.frameTimes.push(performance.now());
        return send.call(this, data);
      };
    });
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

    // The fake camera is listed by name.
    const camera = page.getByLabel('Camera', { exact: true });
    await expect.poll(() => camera.locator('option').allTextContents(), POLL).toEqual(['fake_device_0']);

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

    // Boxes are drawn over the live picture as results arrive (the fake camera's picture moves).
    await page.waitForFunction(
      () => Number(document.querySelector('.media-box.live svg.box-layer')?.getAttribute('data-boxes') ?? 0) > 0,
      undefined,
      POLL,
    );
    expect(await page.getByTestId('stat-dropped').textContent()).toMatch(/^\d+$/);
    await screenshot(page, 'camera-live-wide');

    // The FPS slider changes the send rate at once: at 2 frames/s frames go out ≥ 0.5 s apart (bounded below, so
    // a slow machine cannot break it; the margin covers encoding time), and at 30 two leave close together again
    // (a second frame may go while the first is out, ~33 ms later).
    const times = () => page.evaluate(() => (window as unknown as { frameTimes: number[] }).frameTimes.length);
    const gapsAfter = async (from: number, count: number) => {
      await page.waitForFunction(
        (n) => (window as unknown as { frameTimes: number[] }).frameTimes.length >= n,
        from + count + 1,
        POLL,
      );
      const t = await page.evaluate(() => (window as unknown as { frameTimes: number[] }).frameTimes);
      const sent = t.slice(from + 1, from + count + 2); // skip the frame that may have left before the change
      return sent.slice(1).map((x, i) => x - sent[i]!);
    };
    await page.getByLabel('Frames per second').fill('2');
    expect(await page.getByTestId('fps-value').textContent()).toBe('2');
    const slow = await gapsAfter(await times(), 4);
    expect(Math.min(...slow)).toBeGreaterThan(250);
    await page.getByLabel('Frames per second').fill('30');
    const fast = await gapsAfter(await times(), 8);
    expect(Math.min(...fast)).toBeLessThan(250);

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

  it('the confidence slider removes low-score detections from the picture and the list, on the client', async () => {
    await page.goto(`${server.url}/#/run`);
    // A first visit opens on object detection: it needs nothing but a picture.
    await expect.poll(() => page.getByLabel('Plugin', { exact: true }).inputValue(), POLL).toBe('object-detection');
    await page.getByText('JPEG, PNG, WebP, GIF, TIFF or AVIF').waitFor();
    await page.locator('input[type="file"]').setInputFiles(SAMPLE_PHOTO);
    await page.getByLabel('Min score', { exact: false }).first().fill('0.1'); // the tool's own cut-off: keep weak ones
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const result = page.getByTestId('result');
    await result.waitFor({ timeout: 60_000 });
    const drawn = async () => Number(await result.locator('svg.box-layer').getAttribute('data-boxes'));
    const scores = async () =>
      (await result.getByRole('list', { name: 'Found items' }).locator('li .muted').allTextContents()).map((t) =>
        Number(t.replace('%', '')),
      );
    const all = await drawn();
    const allScores = await scores();
    expect(all).toBeGreaterThan(1);
    expect(Math.min(...allScores)).toBeLessThan(50);
    const calls = (await health('object-detection')).success_count;

    await result.getByLabel('Confidence').fill('0.5');
    await expect.poll(drawn).toBeLessThan(all);
    expect(Math.min(...(await scores()))).toBeGreaterThanOrEqual(50);
    expect(await drawn()).toBe((await scores()).length);
    // Filtering happened in the page: the tool was not run again.
    expect((await health('object-detection')).success_count).toBe(calls);
    await screenshot(page, 'run-detections-wide');

    await result.getByLabel('Confidence').fill('0');
    await expect.poll(drawn).toBe(all);
  });

  it('the camera and run pages fit 390×844 and pass the accessibility scan with results on screen', async () => {
    const p = await browser.newPage({ viewport: NARROW });
    try {
      await p.goto(`${server.url}/#/camera`);
      await p.getByRole('button', { name: 'Start camera' }).click();
      await p.waitForFunction(
        () => Number(document.querySelector('[data-testid="stat-sent"]')?.textContent) >= 2,
        undefined,
        POLL,
      );
      expect(await horizontalOverflow(p)).toBe(0);
      expect(await seriousA11yViolations(p)).toEqual([]);
      await screenshot(p, 'camera-live-narrow');
      await p.getByRole('button', { name: 'Stop camera' }).click();
      await p.getByRole('button', { name: 'Start camera' }).waitFor(POLL);
    } finally {
      await p.close();
    }
  });

  it('releases the camera when the page is left while the camera is still starting', async () => {
    const slow = await browser.newPage({ viewport: WIDE });
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
