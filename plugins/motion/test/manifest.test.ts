import path from 'node:path';
import { acceptedManifest, undeclaredPackages } from '@bastion/testkit';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { pluginDir } from './helpers.js';

describe('motion package.json', () => {
  it('is accepted by the host: ESM package, manifest schema, packages resolving from the folder', async () => {
    const m = await acceptedManifest(pluginDir);
    expect(m).toMatchObject({ id: 'motion', entry: path.join(pluginDir, 'dist', 'index.js') });
    expect(typeof m.description).toBe('string');
    expect(m.requires.packages).toEqual(expect.arrayContaining(['sharp', '@bastion/sdk']));
    expect(undeclaredPackages(pluginDir, m)).toEqual([]);
  });

  it('needs no GPU, network, binaries or models, and sets every limit with one call at a time', async () => {
    const { requires, limits } = await acceptedManifest(pluginDir);
    expect(requires).toMatchObject({ gpu: false, network: false, binaries: [], models: [] });
    for (const key of ['timeoutMs', 'memoryMb', 'concurrency', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(limits[key], key).toBeGreaterThan(0);
    }
    expect(limits.concurrency).toBe(1);
  });

  it('default-exports detect_motion and reset_session with schemas', () => {
    expect(plugin.tools.detect_motion.inputSchema).toMatchObject({
      type: 'object',
      required: ['image', 'session_id'],
    });
    expect(plugin.tools.reset_session.inputSchema).toMatchObject({ type: 'object', required: ['session_id'] });
    expect(typeof plugin.init).toBe('function');
    expect(typeof plugin.validate).toBe('function');
    expect(typeof plugin.dispose).toBe('function');
  });
});
