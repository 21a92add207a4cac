import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

import { acceptedManifest, checkPluginFolder, makeCtx, pngBombHeader, undeclaredPackages } from '../src/index.js';

/** Splits a PNG into its chunks, checking each CRC. */
function chunks(png: Buffer): Array<{ type: string; data: Buffer }> {
  const out: Array<{ type: string; data: Buffer }> = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const body = png.subarray(at + 4, at + 8 + len);
    expect(png.readUInt32BE(at + 8 + len)).toBe(zlib.crc32(body) >>> 0);
    out.push({ type: body.subarray(0, 4).toString('latin1'), data: body.subarray(4) });
    at += 12 + len;
  }
  return out;
}

describe('makeCtx', () => {
  it('builds a tool and load context with no-op callbacks and a fresh signal', () => {
    const ctx = makeCtx('/plugins/x');
    expect(ctx).toMatchObject({ pluginDir: '/plugins/x', config: {} });
    expect(ctx.signal.aborted).toBe(false);
    expect(() => {
      ctx.progress(50, 'stage');
      ctx.partial({});
      ctx.log('line');
    }).not.toThrow();
    expect(makeCtx('/plugins/x').signal).not.toBe(ctx.signal);
  });

  it('passes the config and signal through', () => {
    const ac = new AbortController();
    const ctx = makeCtx('/p', { a: 1 }, ac.signal);
    expect(ctx.config).toEqual({ a: 1 });
    expect(ctx.signal).toBe(ac.signal);
  });
});

describe('pngBombHeader', () => {
  it('is a small, well-formed PNG whose header claims the given size', () => {
    const png = pngBombHeader(20000, 30000);
    expect(png.length).toBeLessThan(1000);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const [ihdr, idat, iend, ...rest] = chunks(png);
    expect(rest).toEqual([]);
    expect(ihdr!.type).toBe('IHDR');
    expect(ihdr!.data.readUInt32BE(0)).toBe(20000);
    expect(ihdr!.data.readUInt32BE(4)).toBe(30000);
    expect([ihdr!.data[8], ihdr!.data[9]]).toEqual([8, 0]);
    expect(idat!.type).toBe('IDAT');
    expect(zlib.inflateSync(idat!.data)).toEqual(Buffer.alloc(20001));
    expect(iend).toEqual({ type: 'IEND', data: Buffer.alloc(0) });
  });

  it('can claim RGB and carry a bigger zero body', () => {
    const [ihdr, idat] = chunks(pngBombHeader(100, 100, { colourType: 2, idatBytes: 1 << 20 }));
    expect(ihdr!.data[9]).toBe(2);
    expect(zlib.inflateSync(idat!.data).length).toBe(1 << 20);
  });
});

describe('checkPluginFolder', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-testkit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['dep-a', 'dep-b']) {
    mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name }));
  }

  it('is the host check: it reports manifest problems and accepts a minimal plugin', async () => {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', type: 'commonjs', bastion: {} }));
    const bad = await checkPluginFolder(dir);
    expect(bad).toMatchObject({ ok: false, stage: 'manifest' });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'x', type: 'module', bastion: { apiVersion: 1 } }),
    );
    const good = await checkPluginFolder(dir);
    expect(good).toMatchObject({ ok: true, manifest: { id: 'x', entry: path.join(dir, 'index.js') } });
  });

  it('reports a missing package as a requirements problem', async () => {
    const pkg = { name: 'y', type: 'module', bastion: { apiVersion: 1, requires: { packages: ['no-such-pkg-xyz'] } } };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    const result = await checkPluginFolder(dir);
    expect(result).toMatchObject({ ok: false, stage: 'requirements', problem: { code: 'DEPENDENCY_MISSING' } });
  });

  it('acceptedManifest returns the manifest, or throws with the host reasons', async () => {
    const pkg = { name: 'z', type: 'module', bastion: { apiVersion: 1, requires: { packages: ['dep-a'] } } };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    await expect(acceptedManifest(dir)).resolves.toMatchObject({ id: 'z', requires: { packages: ['dep-a'] } });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, type: 'commonjs' }));
    await expect(acceptedManifest(dir)).rejects.toThrow(
      /refuses .* \(manifest stage\): package\.json type: must be 'module'/,
    );
    const gpuPkg = { ...pkg, bastion: { apiVersion: 1, requires: { gpu: true } } };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(gpuPkg));
    const noGpu = async () => ({
      usable: false as const,
      problem: { state: 'UNAVAILABLE' as const, code: 'GPU_UNAVAILABLE' as const, reason: 'no GPU here' },
    });
    await expect(acceptedManifest(dir, { gpu: noGpu })).rejects.toThrow(
      /requirements stage\): GPU_UNAVAILABLE: no GPU here/,
    );
    await expect(acceptedManifest(dir, { gpu: noGpu, allowCpu: true })).resolves.toMatchObject({ id: 'z' });
  });

  it('undeclaredPackages lists required packages missing from dependencies', async () => {
    const pkg = {
      name: 'w',
      type: 'module',
      dependencies: { 'dep-a': '*' },
      bastion: { apiVersion: 1, requires: { packages: ['dep-a', 'dep-b'] } },
    };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    expect(undeclaredPackages(dir, await acceptedManifest(dir))).toEqual(['dep-b']);
  });
});
