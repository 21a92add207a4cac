import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthRecord } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_PLUGINS_DIR, SERVER_ROOT } from '../../src/paths.js';
import { expectStillServing, FIXTURES_DIR, runTool, startTestServer, type TestServer } from '../helpers/server.js';

const PLUGIN = path.join(BUNDLED_PLUGINS_DIR, 'face-detection');
/** The group photo shipped in the @vladmandic/human npm package (MIT): people facing the camera. */
const PHOTO = path.resolve(SERVER_ROOT, '..', '..', 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');

interface Faces {
  width: number;
  height: number;
  faces: Array<{ label: string; score: number; box: { x: number; y: number; width: number; height: number } }>;
}

/** A plugins dir holding a copy of the bundled face-detection plugin and the Node `ok` fixture. */
function pluginsDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bastion-faces-'));
  cpSync(PLUGIN, path.join(dir, 'face-detection'), { recursive: true });
  cpSync(path.join(FIXTURES_DIR, 'ok'), path.join(dir, 'ok'), { recursive: true });
  return dir;
}

describe('the bundled face-detection plugin (Python, OpenCV)', () => {
  let t: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = pluginsDir();
    t = await startTestServer({ pluginsDirs: [dir] });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes its own tests (python3 -m unittest, as the plugin's author runs them)", () => {
    const run = spawnSync('/usr/bin/python3', ['-m', 'unittest'], {
      cwd: PLUGIN,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(run.stderr).toMatch(/\nOK\n?$/);
    expect(run.status).toBe(0);
  });

  it('finds faces in a photo over REST, boxes inside the image, best first', async () => {
    const call = await runTool(t.server, 'face-detection', 'detect_faces', {
      image: readFileSync(PHOTO).toString('base64'),
      min_size: 36,
    });
    expect(call.status).toBe(200);
    const result = call.body.result as Faces;
    expect([result.width, result.height]).toEqual([1280, 1158]);
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    for (const f of result.faces) {
      expect(f.label).toBe('face');
      expect(f.box.width).toBeGreaterThanOrEqual(36);
      expect(f.box.x + f.box.width).toBeLessThanOrEqual(result.width);
      expect(f.box.y + f.box.height).toBeLessThanOrEqual(result.height);
    }
    const scores = result.faces.map((f) => f.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('answers 400 INVALID_INPUT for bytes that are not an image, and stays available', async () => {
    const call = await runTool(t.server, 'face-detection', 'detect_faces', {
      image: Buffer.from('not an image').toString('base64'),
    });
    expect([call.status, call.body.error?.code]).toEqual([400, 'INVALID_INPUT']);
    const h = (
      await t.server.app.inject({ method: 'GET', url: '/v1/plugins/face-detection/health' })
    ).json<HealthRecord>();
    expect(h.state).toBe('INITIALIZED');
    await expectStillServing(t.server);
  });
});

describe('face-detection without OpenCV', () => {
  it('is UNAVAILABLE naming the Debian packages when its interpreter lacks cv2 and numpy (a bare venv)', async () => {
    const dir = pluginsDir();
    const venv = path.join(dir, 'face-detection', '.venv');
    expect(spawnSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv]).status).toBe(0);
    const t = await startTestServer({
      pluginsDirs: [dir],
      config: { file: { plugins: { 'face-detection': { python: { executable: path.join(venv, 'bin', 'python') } } } } },
    });
    try {
      const h = (
        await t.server.app.inject({ method: 'GET', url: '/v1/plugins/face-detection/health' })
      ).json<HealthRecord>();
      expect([h.state, h.reason_code]).toEqual(['UNAVAILABLE', 'DEPENDENCY_MISSING']);
      expect(h.reason).toMatch(
        /Python modules 'cv2', 'numpy' not found by .*\.venv\/bin\/python; apt-get install python3-opencv python3-numpy/,
      );
      await expectStillServing(t.server);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
