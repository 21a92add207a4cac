import fs from 'node:fs';
import { createRequire } from 'node:module';
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
const requireFromPlugin = createRequire(path.join(pluginDir, 'package.json'));

/** Finds a package folder the way the host does: node_modules folders from the plugin folder upward. */
function findPackageDir(name: string): string | null {
  for (let dir = pluginDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

describe('ocr package.json', () => {
  it('is an ESM package whose main is the built entry', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.main).toBe('dist/index.js');
  });

  it('has a well-formed bastion manifest', () => {
    const m = pkg.bastion;
    expect(m.id).toBe('ocr');
    expect(m.id).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
    expect(m.apiVersion).toBe(1);
    expect(typeof m.description).toBe('string');
    expect(m.requires?.gpu).toBe(false);
    expect(m.requires?.network).toBe(false);
    expect(m.requires?.binaries).toEqual([]);
    const limits = m.limits ?? {};
    for (const key of ['timeoutMs', 'memoryMb', 'concurrency', 'maxQueue', 'loadTimeoutMs'] as const) {
      expect(Number.isInteger(limits[key]), key).toBe(true);
      expect(limits[key], key).toBeGreaterThan(0);
    }
    expect(limits.concurrency).toBe(1);
  });

  it('lists packages that are dependencies and resolve from the plugin folder', () => {
    const packages = pkg.bastion.requires?.packages ?? [];
    expect(packages).toEqual(expect.arrayContaining(['tesseract.js', '@tesseract.js-data/eng', 'sharp']));
    for (const name of packages) {
      expect(pkg.dependencies?.[name], name).toBeDefined();
      expect(findPackageDir(name), name).not.toBeNull();
    }
  });

  it('declares the traineddata file, which exists with gzip magic bytes and enough size', () => {
    const models = pkg.bastion.requires?.models ?? [];
    expect(models).toHaveLength(1);
    const model = models[0]!;
    expect(model.package).toBe('@tesseract.js-data/eng');
    expect(model.format).toBe('gzip');
    expect(model.sha256 === null || /^[0-9a-f]{64}$/.test(model.sha256 ?? '')).toBe(true);
    expect(model.hint).toMatch(/npm install/);
    const base = findPackageDir(model.package!);
    expect(base).not.toBeNull();
    expect(base).toBe(path.dirname(requireFromPlugin.resolve(`${model.package!}/package.json`)));
    const file = path.join(base!, model.path);
    const stat = fs.statSync(file);
    expect(stat.isFile()).toBe(true);
    expect(stat.size).toBeGreaterThanOrEqual(model.minBytes ?? 16);
    const head = Buffer.alloc(2);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, head, 0, 2, 0);
    } finally {
      fs.closeSync(fd);
    }
    expect([...head]).toEqual([0x1f, 0x8b]);
  });

  it('default-exports the extract_text tool with a schema', () => {
    const tool = plugin.tools.extract_text;
    expect(tool).toBeDefined();
    expect(tool.inputSchema).toMatchObject({ type: 'object', required: ['image'] });
    expect(typeof tool.handler).toBe('function');
    expect(typeof plugin.init).toBe('function');
    expect(typeof plugin.validate).toBe('function');
    expect(typeof plugin.dispose).toBe('function');
  });
});
