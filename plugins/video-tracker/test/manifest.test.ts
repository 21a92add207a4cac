import { readFileSync } from 'node:fs';
import path from 'node:path';
import { acceptedManifest, checkPluginFolder, undeclaredPackages } from '@bastion/testkit';
import { describe, expect, it } from 'vitest';

import plugin from '../src/index.js';
import { humanDir, pluginDir } from './helpers.js';

/** Fake GPU probes, so the outcome does not depend on this machine's hardware. */
const noGpu = async () => ({
  usable: false as const,
  problem: { state: 'UNAVAILABLE' as const, code: 'GPU_UNAVAILABLE' as const, reason: 'needs a GPU: none found' },
});
const oneGpu = async () => ({ usable: true as const, gpus: ['GPU 0'] });

describe('manifest', () => {
  it('is refused without a GPU, and accepted with one or with allowCpu (ffmpeg, ffprobe, packages, models)', async () => {
    expect(await checkPluginFolder(pluginDir, { gpu: noGpu })).toMatchObject({
      ok: false,
      stage: 'requirements',
      problem: { code: 'GPU_UNAVAILABLE' },
    });
    await acceptedManifest(pluginDir, { gpu: oneGpu });
    await acceptedManifest(pluginDir, { allowCpu: true, gpu: noGpu });
  });

  it('is the video-tracker plugin: a GPU, ffmpeg and ffprobe, one call at a time', async () => {
    const pkg = JSON.parse(readFileSync(path.join(pluginDir, 'package.json'), 'utf8')) as { name: string };
    const m = await acceptedManifest(pluginDir, { allowCpu: true });
    expect([pkg.name, m.id, m.entry]).toEqual([
      'bastion-plugin-video-tracker',
      'video-tracker',
      path.join(pluginDir, 'dist', 'index.js'),
    ]);
    expect(m.requires).toMatchObject({ gpu: true, network: false, binaries: ['ffmpeg', 'ffprobe'] });
    expect(m.limits.concurrency).toBe(1);
    for (const k of ['timeoutMs', 'jobTimeoutMs', 'memoryMb', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(m.limits[k], k).toBeGreaterThan(0);
    }
    expect(Object.keys(plugin.tools)).toEqual(['track_video']);
  });

  it('declares packages that are dependencies and the CenterNet model files', async () => {
    const m = await acceptedManifest(pluginDir, { allowCpu: true });
    expect(undeclaredPackages(pluginDir, m)).toEqual([]);
    expect(m.requires.models.map((x) => x.path).sort()).toEqual(['models/centernet.bin', 'models/centernet.json']);
    for (const model of m.requires.models) {
      expect(model.package).toBe('@vladmandic/human');
      if (model.format === 'json')
        expect(readFileSync(path.join(humanDir, model.path), 'utf8').trimStart()[0]).toBe('{');
    }
  });
});
