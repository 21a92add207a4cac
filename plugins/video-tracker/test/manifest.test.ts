import { readFileSync, statSync } from 'node:fs';
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

describe('manifest', () => {
  it('is a well-formed ESM plugin package that requires a GPU, ffmpeg and ffprobe', () => {
    expect(pkg).toMatchObject({ name: 'bastion-plugin-video-tracker', type: 'module', main: 'dist/index.js' });
    const b = pkg.bastion;
    expect(b.id).toBe('video-tracker');
    expect(b.apiVersion).toBe(1);
    expect(b.requires?.gpu).toBe(true);
    expect(b.requires?.network).toBe(false);
    expect(b.requires?.binaries).toEqual(['ffmpeg', 'ffprobe']);
    expect(b.limits?.concurrency).toBe(1);
    for (const k of ['timeoutMs', 'jobTimeoutMs', 'memoryMb', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(b.limits?.[k]).toBeGreaterThan(0);
    }
    expect(Object.keys(plugin.tools)).toEqual(['track_video']);
  });

  it('declares resolvable packages and the model files with the right magic', () => {
    for (const name of pkg.bastion.requires?.packages ?? []) {
      expect(pkg.dependencies[name], name).toBeDefined();
      expect(findPackageDir(name, pluginDir), name).toBeDefined();
    }
    const models = pkg.bastion.requires?.models ?? [];
    expect(models.map((m) => m.path).sort()).toEqual(['models/centernet.bin', 'models/centernet.json']);
    for (const m of models) {
      const file = path.join(findPackageDir(m.package!, pluginDir)!, m.path);
      expect(statSync(file).size).toBeGreaterThanOrEqual(m.minBytes ?? 16);
      if (m.format === 'json') expect(readFileSync(file, 'utf8').trimStart()[0]).toBe('{');
    }
  });
});
