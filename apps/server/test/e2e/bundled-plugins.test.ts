import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthRecord } from '@bastion/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackageDir } from '../../src/plugins/checks/packages.js';
import { noGpu } from '../helpers/gpu.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SAMPLE = path.join(findPackageDir(import.meta.dirname, '@vladmandic/human') as string, 'assets', 'samples.jpg');

async function textImage(text: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="140"><rect width="100%" height="100%" fill="white"/><text x="30" y="95" font-size="64" font-family="DejaVu Sans">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function square(x: number): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 240, channels: 3, background: '#202020' } })
    .composite([{ input: { create: { width: 60, height: 60, channels: 3, background: '#f0f0f0' } }, left: x, top: 90 }])
    .png()
    .toBuffer();
}

/**
 * The four bundled plugins, loaded by the real host into sandboxed workers and driven over HTTP.
 */
describe('bundled plugins through the host', () => {
  let t: TestServer;
  const call = async (plugin: string, tool: string, args: Record<string, unknown>) => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: `/v1/plugins/${plugin}/tools/${tool}/run`,
      payload: { args },
    });
    return { status: res.statusCode, body: res.json() };
  };
  const health = async (name: string) =>
    (await t.server.app.inject({ url: `/v1/plugins/${name}/health` })).json<HealthRecord>();

  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [],
      config: { bundledPlugins: true, file: { plugins: { 'video-tracker': { allowCpu: true } } } },
    });
  }, 180_000);
  afterAll(() => t?.close());

  it('loads all five, each with a memory reading', async () => {
    const list = (await t.server.app.inject({ url: '/v1/plugins' })).json<HealthRecord[]>();
    expect(list.map((h) => [h.name, h.state])).toEqual([
      ['face-detection', 'INITIALIZED'],
      ['motion', 'INITIALIZED'],
      ['object-detection', 'INITIALIZED'],
      ['ocr', 'INITIALIZED'],
      ['video-tracker', 'INITIALIZED'],
    ]);
    for (const h of list) expect(h.memory_peak_mb).toBeGreaterThan(20);
  });

  it('ocr reads rendered text', async () => {
    const res = await call('ocr', 'extract_text', {
      image: (await textImage('Bastion reads 42 words')).toString('base64'),
    });
    expect(res.status).toBe(200);
    expect(res.body.result.text).toMatch(/Bastion reads 42 words/);
    expect(res.body.result.words.length).toBe(4);
  });

  it('object-detection finds people in a sample photo', async () => {
    const res = await call('object-detection', 'detect', {
      image: readFileSync(SAMPLE).toString('base64'),
      classes: ['person'],
    });
    expect(res.status).toBe(200);
    expect(res.body.result.detections.length).toBeGreaterThan(0);
    for (const d of res.body.result.detections) expect(d.label).toBe('person');
  });

  it('motion sees a moving square and nothing in a still frame', async () => {
    const session_id = 'e2e';
    expect(
      (await call('motion', 'detect_motion', { image: (await square(20)).toString('base64'), session_id })).body.result
        .motion,
    ).toBe(false);
    const moved = await call('motion', 'detect_motion', { image: (await square(200)).toString('base64'), session_id });
    expect(moved.body.result.motion).toBe(true);
    expect(moved.body.result.regions.length).toBeGreaterThan(0);
    const still = await call('motion', 'detect_motion', { image: (await square(200)).toString('base64'), session_id });
    expect(still.body.result.motion).toBe(false);
  });

  it('video-tracker runs on the CPU when the operator allows it, decoding with ffmpeg inside the sandbox', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-e2e-video-'));
    const video = path.join(dir, 'pan.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-loop',
      '1',
      '-i',
      SAMPLE,
      '-vf',
      "scale=640:-2,crop=480:360:'t*40':0",
      '-t',
      '1',
      '-r',
      '8',
      '-pix_fmt',
      'yuv420p',
      video,
    ]);
    const res = await call('video-tracker', 'track_video', { video: readFileSync(video).toString('base64') });
    expect(res.status).toBe(200);
    expect(res.body.result.frame_count).toBe(8);
    expect(res.body.result.tracks.length).toBeGreaterThan(0);
  });

  it('bad inputs are TOOL_ERRORs that leave every plugin available', async () => {
    const notImage = Buffer.from('this is not an image').toString('base64');
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['ocr', 'extract_text', { image: notImage }],
      ['ocr', 'extract_text', { image: '' }],
      ['object-detection', 'detect', { image: notImage }],
      ['motion', 'detect_motion', { image: notImage, session_id: 'x' }],
      ['video-tracker', 'track_video', { video: notImage }],
    ];
    for (const [plugin, tool, args] of cases) {
      const res = await call(plugin, tool, args);
      expect(res.status, `${plugin} ${res.body.error?.message}`).toBeGreaterThanOrEqual(400);
      expect(res.status, plugin).toBeLessThan(500);
      expect(['TOOL_ERROR', 'INVALID_INPUT'], plugin).toContain(res.body.error.code);
      expect((await health(plugin)).state, plugin).toBe('INITIALIZED');
    }
  });
});

describe('video-tracker without a GPU', () => {
  it('is UNAVAILABLE with GPU_UNAVAILABLE and says how to run it anyway', async () => {
    const t = await startTestServer({
      pluginsDirs: [],
      config: { bundledPlugins: true, file: { plugins: { ocr: { enabled: false } } } },
      gpu: noGpu(), // whatever this machine has
    });
    try {
      const h = (await t.server.app.inject({ url: '/v1/plugins/video-tracker/health' })).json<HealthRecord>();
      expect(h.state).toBe('UNAVAILABLE');
      expect(h.reason_code).toBe('GPU_UNAVAILABLE');
      expect(h.reason).toMatch(/allowCpu: true/);
      const ocr = (await t.server.app.inject({ url: '/v1/plugins/ocr/health' })).json<HealthRecord>();
      expect([ocr.state, ocr.reason_code]).toEqual(['UNAVAILABLE', 'DISABLED']);
    } finally {
      await t.close();
    }
  }, 120_000);
});
