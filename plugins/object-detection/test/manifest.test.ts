import { openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BastionManifest } from '@bastion/sdk';
import { findPackageDir } from '@bastion/detector';

import plugin from '../src/index.js';
import { pluginDir } from './helpers.js';

const pkg = JSON.parse(readFileSync(path.join(pluginDir, 'package.json'), 'utf8')) as {
  name: string;
  type: string;
  main: string;
  dependencies: Record<string, string>;
  bastion: BastionManifest;
};

function head(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

describe('manifest', () => {
  it('is a well-formed ESM plugin package', () => {
    expect(pkg.name).toBe('bastion-plugin-object-detection');
    expect(pkg.type).toBe('module');
    expect(pkg.main).toBe('dist/index.js');
    const b = pkg.bastion;
    expect(b.id).toBe('object-detection');
    expect(b.id).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
    expect(b.apiVersion).toBe(1);
    expect(b.requires?.gpu).toBe(false);
    expect(b.requires?.network).toBe(false);
    expect(b.requires?.binaries).toEqual([]);
    expect(b.limits?.concurrency).toBe(1);
    for (const k of ['timeoutMs', 'jobTimeoutMs', 'memoryMb', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(b.limits?.[k]).toBeGreaterThan(0);
    }
    expect(Object.keys(plugin.tools)).toEqual(['detect']);
  });

  it('declares every package the code needs, each a dependency that resolves from the plugin folder', () => {
    const packages = pkg.bastion.requires?.packages ?? [];
    for (const name of ['@bastion/sdk', '@bastion/detector', '@vladmandic/human', 'sharp', '@tensorflow/tfjs-core']) {
      expect(packages).toContain(name);
    }
    for (const name of packages) {
      expect(pkg.dependencies[name], name).toBeDefined();
      expect(findPackageDir(name, pluginDir), name).toBeDefined();
    }
  });

  it('declares the CenterNet model files, which exist with the right size and magic bytes', () => {
    const models = pkg.bastion.requires?.models ?? [];
    expect(models.map((m) => m.path).sort()).toEqual(['models/centernet.bin', 'models/centernet.json']);
    for (const m of models) {
      expect(m.package).toBe('@vladmandic/human');
      expect(m.hint).toMatch(/npm install @vladmandic\/human/);
      const file = path.join(findPackageDir(m.package!, pluginDir)!, m.path);
      const st = statSync(file);
      expect(st.isFile()).toBe(true);
      expect(st.size).toBeGreaterThanOrEqual(m.minBytes ?? 16);
      if (m.format === 'json') {
        expect(head(file, 1).toString()).toBe('{');
        const json = JSON.parse(readFileSync(file, 'utf8')) as {
          format: string;
          weightsManifest: { paths: string[] }[];
        };
        expect(json.format).toBe('graph-model');
        // Every weight file the topology references is declared too.
        for (const p of json.weightsManifest.flatMap((g) => g.paths)) {
          expect(models.map((x) => x.path)).toContain(`models/${p}`);
        }
      } else {
        expect(m.format).toBe('any');
      }
    }
  });
});
