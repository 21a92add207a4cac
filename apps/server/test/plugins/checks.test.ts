import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { ModelRequirement } from '@bastion/protocol';
import { describe, expect, it } from 'vitest';
import { probeGpu } from '../../src/plugins/checks/gpu.js';
import { checkModelFile, matchesFormat } from '../../src/plugins/checks/models.js';
import { findPackageDir } from '../../src/plugins/checks/packages.js';
import { findOnPath } from '../../src/find-on-path.js';
import { fakeDriverFile, fakeSmiPath } from '../helpers/gpu.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'bastion-checks-'));

/** A PATH holding only a fake nvidia-smi that prints `out` and exits with `code`. */
const fakeSmi = (out: string, code: number): NodeJS.ProcessEnv => ({ PATH: fakeSmiPath(out, code) });
const driverFile = fakeDriverFile;

describe('GPU dual probe (fake nvidia-smi and driver files: the same on machines with and without a GPU)', () => {
  it('no nvidia-smi and no driver → UNAVAILABLE GPU_UNAVAILABLE pointing at allowCpu', async () => {
    const r = await probeGpu({ env: { PATH: tmp() }, driverFiles: ['/nonexistent/driver'] });
    expect(r.usable).toBe(false);
    if (r.usable) return;
    expect(r.problem).toMatchObject({ state: 'UNAVAILABLE', code: 'GPU_UNAVAILABLE' });
    expect(r.problem.reason).toMatch(/allowCpu/);
  });

  it('driver present but nvidia-smi missing → UNAVAILABLE naming the missing tool', async () => {
    const r = await probeGpu({ env: { PATH: tmp() }, driverFiles: [driverFile()] });
    expect(!r.usable && r.problem).toMatchObject({ state: 'UNAVAILABLE', code: 'GPU_UNAVAILABLE' });
    expect(!r.usable && r.problem.reason).toMatch(/nvidia-smi/);
  });

  it('nvidia-smi failing → FAILED GPU_DRIVER_ERROR', async () => {
    const r = await probeGpu({ env: fakeSmi('NVIDIA-SMI has failed', 9), driverFiles: [driverFile()] });
    expect(!r.usable && r.problem).toMatchObject({ state: 'FAILED', code: 'GPU_DRIVER_ERROR' });
  });

  it('nvidia-smi lists a GPU but no driver is visible → FAILED GPU_DRIVER_ERROR', async () => {
    const r = await probeGpu({ env: fakeSmi('GPU 0: NVIDIA A100 (UUID: GPU-1)', 0), driverFiles: ['/nonexistent'] });
    expect(!r.usable && r.problem).toMatchObject({ state: 'FAILED', code: 'GPU_DRIVER_ERROR' });
  });

  it('nvidia-smi lists a GPU and the driver is visible → usable', async () => {
    const r = await probeGpu({ env: fakeSmi('GPU 0: NVIDIA A100 (UUID: GPU-1)', 0), driverFiles: [driverFile()] });
    expect(r).toEqual({ usable: true, gpus: ['GPU 0: NVIDIA A100 (UUID: GPU-1)'] });
  });
});

describe('packages and binaries', () => {
  it('resolves a package by walking node_modules upwards, scoped or not, without importing it', () => {
    const root = tmp();
    mkdirSync(path.join(root, 'node_modules', '@s', 'pkg'), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', '@s', 'pkg', 'package.json'), '{}');
    // An entry point that would throw if imported.
    writeFileSync(path.join(root, 'node_modules', '@s', 'pkg', 'index.js'), 'throw new Error("imported")');
    const plugin = path.join(root, 'plugins', 'p');
    mkdirSync(plugin, { recursive: true });
    expect(findPackageDir(plugin, '@s/pkg')).toBe(path.join(root, 'node_modules', '@s', 'pkg'));
    expect(findPackageDir(plugin, '@s/pkg/sub/path')).toBe(path.join(root, 'node_modules', '@s', 'pkg'));
    expect(findPackageDir(plugin, 'nope')).toBeNull();
  });

  it('finds executables on PATH only', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
    writeFileSync(path.join(dir, 'notexec'), '');
    chmodSync(path.join(dir, 'tool'), 0o755);
    expect(findOnPath('tool', dir)).toBe(path.join(dir, 'tool'));
    expect(findOnPath('notexec', dir)).toBeNull();
    expect(findOnPath('sh')).not.toBeNull();
  });
});

describe('model files', () => {
  const model = (over: Partial<ModelRequirement>): ModelRequirement => ({
    path: 'm',
    package: null,
    format: 'any',
    minBytes: 16,
    sha256: null,
    hint: null,
    ...over,
  });

  it('checks the magic bytes of each format', () => {
    expect(matchesFormat('gzip', gzipSync(Buffer.from('x')))).toBe(true);
    expect(matchesFormat('gzip', Buffer.from('plain text'))).toBe(false);
    expect(matchesFormat('json', Buffer.from('  \n{"a":1}'))).toBe(true);
    expect(matchesFormat('json', Buffer.from('nope'))).toBe(false);
    const tfl = Buffer.alloc(16);
    tfl.write('TFL3', 4, 'latin1');
    expect(matchesFormat('tflite', tfl)).toBe(true);
    expect(matchesFormat('onnx', Buffer.from([0x08, 0x07, 0x12]))).toBe(true);
    expect(matchesFormat('onnx', Buffer.from('PK'))).toBe(false);
    const st = Buffer.alloc(16);
    st.writeBigUInt64LE(2n, 0);
    st.write('{}', 8);
    expect(matchesFormat('safetensors', st)).toBe(true);
    expect(matchesFormat('safetensors', Buffer.from('garbage garbage'))).toBe(false);
  });

  it('reports missing, too small, wrong format, wrong checksum, and accepts a good file', async () => {
    const dir = tmp();
    const good = gzipSync(Buffer.alloc(4096, 7));
    writeFileSync(path.join(dir, 'good.gz'), good);
    writeFileSync(path.join(dir, 'small.gz'), good.subarray(0, 8));
    mkdirSync(path.join(dir, 'adir'));
    const sha = createHash('sha256').update(good).digest('hex');
    expect(await checkModelFile(path.join(dir, 'none'), model({}))).toMatchObject({ ok: false, code: 'MODEL_MISSING' });
    expect(await checkModelFile(path.join(dir, 'adir'), model({}))).toMatchObject({ ok: false, code: 'MODEL_MISSING' });
    expect(await checkModelFile(path.join(dir, 'small.gz'), model({ format: 'gzip' }))).toMatchObject({
      ok: false,
      code: 'MODEL_CORRUPT',
    });
    expect(await checkModelFile(path.join(dir, 'good.gz'), model({ format: 'onnx' }))).toMatchObject({
      ok: false,
      code: 'MODEL_CORRUPT',
    });
    expect(
      await checkModelFile(path.join(dir, 'good.gz'), model({ format: 'gzip', sha256: '0'.repeat(64) })),
    ).toMatchObject({
      ok: false,
      code: 'MODEL_CORRUPT',
    });
    expect(await checkModelFile(path.join(dir, 'good.gz'), model({ format: 'gzip', sha256: sha }))).toEqual({
      ok: true,
    });
  });
});
