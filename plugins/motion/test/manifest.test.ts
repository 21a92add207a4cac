import fs from 'node:fs';
import path from 'node:path';
import type { BastionManifest } from '@bastion/sdk';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { pluginDir } from './helpers.js';

const pkg = JSON.parse(fs.readFileSync(path.join(pluginDir, 'package.json'), 'utf8')) as {
  type?: string;
  main?: string;
  dependencies?: Record<string, string>;
  bastion: BastionManifest;
};

/** Finds a package folder the way the host does: node_modules folders from the plugin folder upward. */
function findPackageDir(name: string): string | null {
  for (let dir = pluginDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

describe('motion package.json', () => {
  it('is an ESM package whose main is the built entry', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.main).toBe('dist/index.js');
  });

  it('has a well-formed bastion manifest', () => {
    const m = pkg.bastion;
    expect(m.id).toBe('motion');
    expect(m.id).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
    expect(m.apiVersion).toBe(1);
    expect(typeof m.description).toBe('string');
    expect(m.requires?.gpu).toBe(false);
    expect(m.requires?.network).toBe(false);
    expect(m.requires?.binaries).toEqual([]);
    expect(m.requires?.models).toEqual([]);
    const limits = m.limits ?? {};
    for (const key of ['timeoutMs', 'memoryMb', 'concurrency', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(Number.isInteger(limits[key]), key).toBe(true);
      expect(limits[key], key).toBeGreaterThan(0);
    }
    expect(limits.concurrency).toBe(1);
  });

  it('lists packages that are dependencies and resolve from the plugin folder', () => {
    const packages = pkg.bastion.requires?.packages ?? [];
    expect(packages).toEqual(expect.arrayContaining(['sharp', '@bastion/sdk']));
    for (const name of packages) {
      expect(pkg.dependencies?.[name], name).toBeDefined();
      expect(findPackageDir(name), name).not.toBeNull();
    }
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
