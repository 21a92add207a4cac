import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CheckProblem } from './result.js';

export type GpuProbe = { usable: true; gpus: string[] } | { usable: false; problem: CheckProblem };

export interface GpuProbeOptions {
  /** Files whose presence shows the CUDA driver is visible. */
  driverFiles?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the NVIDIA device nodes are (`/dev`; tests use stand-in nodes elsewhere). */
  deviceDir?: string;
}

/**
 * The NVIDIA device nodes to bind into the sandbox of a plugin that declares requires.gpu (namespace mode mounts a
 * fresh /dev without them): `nvidia0..N`, `nvidiactl`, `nvidia-uvm`, `nvidia-uvm-tools`, `nvidia-modeset` and the
 * `nvidia-caps` folder, each as [host path, path in the sandbox's /dev].
 */
export function gpuDeviceNodes(deviceDir = '/dev'): Array<[string, string]> {
  let names: string[];
  try {
    names = readdirSync(deviceDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^nvidia(\d+|ctl|-uvm|-uvm-tools|-modeset|-caps)$/.test(n))
    .sort()
    .map((n) => [path.join(deviceDir, n), path.posix.join('/dev', n)]);
}

const DEFAULT_DRIVER_FILES = [
  '/proc/driver/nvidia/version',
  '/usr/lib/x86_64-linux-gnu/libcuda.so.1',
  '/usr/lib/aarch64-linux-gnu/libcuda.so.1',
  '/usr/lib64/libcuda.so.1',
  '/usr/lib/libcuda.so.1',
  '/usr/local/cuda/lib64/stubs/libcuda.so.1',
  '/usr/lib/wsl/lib/libcuda.so.1',
];

function runNvidiaSmi(env: NodeJS.ProcessEnv): Promise<{ found: boolean; code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { env, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
        return resolve({ found: false, code: null, out: '' });
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ found: true, code, out: `${stdout}${stderr}`.trim() });
    });
  });
}

/**
 * The GPU dual probe: a usable GPU needs `nvidia-smi -L` to list one **and** the CUDA driver to be visible.
 */
export async function probeGpu(options: GpuProbeOptions = {}): Promise<GpuProbe> {
  const env = options.env ?? process.env;
  const driverFile = (options.driverFiles ?? DEFAULT_DRIVER_FILES).find((f) => existsSync(f)) ?? null;
  const smi = await runNvidiaSmi(env);
  const gpus = smi.out.split('\n').filter((l) => /^GPU \d+/.test(l.trim()));
  if (!smi.found) {
    return {
      usable: false,
      problem: {
        state: 'UNAVAILABLE',
        code: 'GPU_UNAVAILABLE',
        reason: driverFile
          ? `needs a GPU: the NVIDIA driver is present (${driverFile}) but 'nvidia-smi' is not on PATH; install the NVIDIA utilities (e.g. nvidia-utils)`
          : "needs a GPU: no NVIDIA GPU found ('nvidia-smi' missing and no CUDA driver); run on a machine with an NVIDIA GPU, or set allowCpu: true for this plugin in the config file to run it on the CPU",
      },
    };
  }
  if (smi.code !== 0) {
    return {
      usable: false,
      problem: {
        state: 'FAILED',
        code: 'GPU_DRIVER_ERROR',
        reason: `'nvidia-smi -L' failed (exit ${smi.code}): ${smi.out.slice(0, 200) || 'no output'}; check the NVIDIA driver installation (reboot after a driver update)`,
      },
    };
  }
  if (gpus.length === 0) {
    return {
      usable: false,
      problem: {
        state: 'UNAVAILABLE',
        code: 'GPU_UNAVAILABLE',
        reason:
          "needs a GPU: 'nvidia-smi -L' lists none; attach a GPU, or set allowCpu: true for this plugin in the config file",
      },
    };
  }
  if (!driverFile) {
    return {
      usable: false,
      problem: {
        state: 'FAILED',
        code: 'GPU_DRIVER_ERROR',
        reason: `'nvidia-smi' lists ${gpus.length} GPU(s) but no CUDA driver is visible (/proc/driver/nvidia/version or libcuda.so.1); reinstall the NVIDIA driver`,
      },
    };
  }
  return { usable: true, gpus };
}
