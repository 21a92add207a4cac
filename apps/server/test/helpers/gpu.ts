import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GpuProbeOptions } from '../../src/plugins/checks/gpu.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'bastion-gpu-'));

/** A PATH holding only a fake `nvidia-smi` that prints `out` and exits with `code`. */
export function fakeSmiPath(out: string, code: number): string {
  const dir = tmp();
  const file = path.join(dir, 'nvidia-smi');
  writeFileSync(file, `#!/bin/sh\necho '${out}'\nexit ${code}\n`);
  chmodSync(file, 0o755);
  return dir;
}

/** A file standing in for `/proc/driver/nvidia/version`. */
export function fakeDriverFile(): string {
  const f = path.join(tmp(), 'version');
  writeFileSync(f, 'NVRM version: 550.54\n');
  return f;
}

/** A machine without any GPU, whatever this one has. */
export const noGpu = (): GpuProbeOptions => ({ env: { PATH: tmp() }, driverFiles: ['/nonexistent/nvidia/version'] });

/** A machine with one usable GPU, whatever this one has. */
export const oneGpu = (): GpuProbeOptions => ({
  env: { PATH: fakeSmiPath('GPU 0: NVIDIA A100 (UUID: GPU-1)', 0) },
  driverFiles: [fakeDriverFile()],
});
