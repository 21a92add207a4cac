import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fallbackId, readManifest } from '../../src/plugins/manifest.js';

function folderWith(pkg: unknown, name = 'plug'): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'bastion-manifest-')), name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), typeof pkg === 'string' ? pkg : JSON.stringify(pkg));
  return dir;
}

const valid = {
  name: '@acme/bastion-ocr',
  version: '1.2.0',
  type: 'module',
  main: 'index.js',
  bastion: { apiVersion: 1 },
};

describe('manifest', () => {
  it('derives the id from the package name without its scope and applies defaults', () => {
    const r = readManifest(folderWith(valid));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.manifest.id).toBe('bastion-ocr');
    expect(r.manifest.requires).toEqual({ gpu: false, packages: [], binaries: [], network: false, models: [] });
    expect(r.manifest.limits).toEqual({});
  });

  it('prefers bastion.id', () => {
    const r = readManifest(folderWith({ ...valid, bastion: { apiVersion: 1, id: 'ocr' } }));
    expect(r.ok && r.manifest.id).toBe('ocr');
  });

  it('lists every problem at once', () => {
    const r = readManifest(
      folderWith({
        name: 'x',
        type: 'commonjs',
        bastion: { apiVersion: 2, requires: { gpu: 'yes' }, limits: { timeoutMs: -1 } },
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    expect(r.problems.length).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(/type/);
    expect(text).toMatch(/apiVersion/);
    expect(text).toMatch(/requires\.gpu/);
    expect(text).toMatch(/limits\.timeoutMs/);
  });

  it('refuses a main or model path that leaves the folder', () => {
    const r = readManifest(
      folderWith({
        ...valid,
        main: '../../etc/evil.js',
        bastion: { apiVersion: 1, requires: { models: [{ path: '../x.onnx' }] } },
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join('\n')).toMatch(/outside the plugin folder/);
    expect(r.problems.join('\n')).toMatch(/relative path inside/);
  });

  it('reports unreadable JSON and a missing package.json', () => {
    const broken = readManifest(folderWith('{ "name": '));
    expect(broken.ok).toBe(false);
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'bastion-manifest-')), 'empty');
    mkdirSync(dir);
    const missing = readManifest(dir);
    expect(!missing.ok && missing.problems[0]).toMatch(/not found/);
  });

  it('turns odd folder names into safe ids', () => {
    expect(fallbackId('/x/My Plugin!!')).toBe('my-plugin-');
    expect(fallbackId('/x/..日本')).toBe('plugin');
    expect(fallbackId('/x/__a')).toBe('a');
  });
});
