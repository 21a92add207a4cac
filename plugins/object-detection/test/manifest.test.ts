import { readFileSync } from 'node:fs';
import path from 'node:path';
import { acceptedManifest, undeclaredPackages } from '@bastion/testkit';
import { describe, expect, it } from 'vitest';

import plugin from '../src/index.js';
import { humanDir, pluginDir } from './helpers.js';

describe('manifest', () => {
  it('is accepted by the host as the CPU-only object-detection plugin, one call at a time', async () => {
    const pkg = JSON.parse(readFileSync(path.join(pluginDir, 'package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('bastion-plugin-object-detection');
    const { id, entry, requires, limits } = await acceptedManifest(pluginDir);
    expect({ id, entry }).toEqual({ id: 'object-detection', entry: path.join(pluginDir, 'dist', 'index.js') });
    expect(requires).toMatchObject({ gpu: false, network: false, binaries: [] });
    expect(limits.concurrency).toBe(1);
    for (const k of ['timeoutMs', 'jobTimeoutMs', 'memoryMb', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(limits[k], k).toBeGreaterThan(0);
    }
    expect(Object.keys(plugin.tools)).toEqual(['detect']);
  });

  it('declares every package the code needs, each a dependency that resolves from the plugin folder', async () => {
    const m = await acceptedManifest(pluginDir);
    for (const name of ['@bastion/sdk', '@bastion/detector', '@vladmandic/human', 'sharp', '@tensorflow/tfjs-core']) {
      expect(m.requires.packages).toContain(name);
    }
    expect(undeclaredPackages(pluginDir, m)).toEqual([]);
  });

  it('declares the CenterNet topology and every weight file it references (the host checked size and magic)', async () => {
    const models = (await acceptedManifest(pluginDir)).requires.models;
    expect(models.map((m) => m.path).sort()).toEqual(['models/centernet.bin', 'models/centernet.json']);
    for (const m of models) {
      expect(m.package).toBe('@vladmandic/human');
      expect(m.hint).toMatch(/npm install @vladmandic\/human/);
      expect(m.format).toBe(m.path.endsWith('.json') ? 'json' : 'any');
    }
    const text = readFileSync(path.join(humanDir, 'models', 'centernet.json'), 'utf8');
    expect(text[0]).toBe('{');
    const json = JSON.parse(text) as { format: string; weightsManifest: { paths: string[] }[] };
    expect(json.format).toBe('graph-model');
    for (const p of json.weightsManifest.flatMap((g) => g.paths)) {
      expect(models.map((x) => x.path)).toContain(`models/${p}`);
    }
  });
});
