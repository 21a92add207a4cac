import path from 'node:path';
import type { Manifest } from '../manifest.js';
import { findOnPath } from '../../find-on-path.js';
import type { GpuProbe } from './gpu.js';
import { checkModelFile } from './models.js';
import { findPackageDir } from './packages.js';
import { checkPython, type PythonProbe } from './python.js';
import type { CheckProblem } from './result.js';

export type { CheckProblem } from './result.js';

export interface CheckOptions {
  folder: string;
  /** Cached GPU probe; called only for plugins that need a GPU. */
  gpu: () => Promise<GpuProbe>;
  allowCpu: boolean;
  envPath?: string;
  /** How a Python plugin's interpreter is probed (required for Python plugins). */
  python?: { executable: string; probe: PythonProbe; ignoreVersions: boolean };
}

/**
 * Runs every environmental check of a plugin before any of its code runs. All missing items of the first failing
 * kind are listed in one reason; GPU problems come first, then packages, binaries and models.
 */
export async function checkRequirements(manifest: Manifest, opts: CheckOptions): Promise<CheckProblem | null> {
  const { requires } = manifest;
  const fromCwd = path.relative(process.cwd(), opts.folder);
  const rel = fromCwd === '' ? '.' : fromCwd.startsWith('..') ? opts.folder : fromCwd;
  if (requires.gpu && !opts.allowCpu) {
    const probe = await opts.gpu();
    if (!probe.usable) return probe.problem;
  }
  if (manifest.python) {
    if (!opts.python) throw new Error('checkRequirements: a Python plugin needs opts.python');
    const problem = await checkPython(manifest.python, {
      ...opts.python,
      gpu: requires.gpu && !opts.allowCpu,
      pluginId: manifest.id,
    });
    if (problem) return problem;
  }
  const missingPkgs = requires.packages.filter((p) => !findPackageDir(opts.folder, p));
  if (missingPkgs.length) {
    return {
      state: 'UNAVAILABLE',
      code: 'DEPENDENCY_MISSING',
      reason: `npm package${missingPkgs.length > 1 ? 's' : ''} ${missingPkgs.map((p) => `'${p}'`).join(', ')} not found from ${rel}; run 'npm install ${missingPkgs.join(' ')}' there`,
    };
  }
  const missingBins = requires.binaries.filter((b) => !findOnPath(b, opts.envPath));
  if (missingBins.length) {
    return {
      state: 'UNAVAILABLE',
      code: 'BINARY_MISSING',
      reason: `binar${missingBins.length > 1 ? 'ies' : 'y'} ${missingBins.map((b) => `'${b}'`).join(', ')} not found on PATH; install ${missingBins.length > 1 ? 'them' : 'it'} (e.g. 'apt-get install ${missingBins.join(' ')}')`,
    };
  }
  for (const model of requires.models) {
    let base = opts.folder;
    if (model.package) {
      const dir = findPackageDir(opts.folder, model.package);
      if (!dir) {
        return {
          state: 'UNAVAILABLE',
          code: 'MODEL_MISSING',
          reason: `model ${model.package}/${model.path}: package '${model.package}' not found from ${rel}; run 'npm install ${model.package}' there`,
        };
      }
      base = dir;
    }
    // resolve: a Python plugin may name a system data file by absolute path (Node manifests may not).
    const file = path.resolve(base, model.path);
    const result = await checkModelFile(file, model);
    if (!result.ok) {
      const shown = model.package ? `${model.package}/${model.path}` : model.path;
      const fix =
        model.hint ??
        (result.code === 'MODEL_MISSING' ? 'put the model file there' : 'replace the file with a good copy');
      return { state: 'UNAVAILABLE', code: result.code, reason: `model file ${shown} ${result.why}; ${fix}` };
    }
  }
  return null;
}
