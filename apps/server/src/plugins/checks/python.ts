import { existsSync } from 'node:fs';
import type { PythonManifest } from '../manifest.js';
import { debianPackageFor, DIST_MODULES } from './python-names.js';
import type { CheckProblem } from './result.js';

/** What probe.py reports about an interpreter, from inside the plugin's sandbox. */
export interface PythonFacts {
  executable: string;
  version: string;
  /** null: the range could not be read. */
  versionOk: boolean | null;
  missingModules: string[];
  dependencies: Array<{
    requirement: string;
    name: string;
    installed: string | null;
    ok: boolean | null;
    moduleFound: boolean;
  }>;
  torch: { available: boolean; version?: string; error?: string } | null;
}

export interface PythonProbeSpec {
  python: string | null;
  modules: string[];
  dependencies: string[];
  aliases: Record<string, string>;
  /** Import torch and ask whether CUDA works (GPU plugins only). */
  torch: boolean;
}

/** Runs probe.py with an interpreter in the plugin's sandbox; resolves with its facts or why it failed. */
export type PythonProbe = (executable: string, spec: PythonProbeSpec) => Promise<PythonFacts | { error: string }>;

export interface PythonCheckOptions {
  executable: string;
  probe: PythonProbe;
  /** The operator loads the plugin despite unmet version ranges (`plugins.<id>.python.ignoreVersions`). */
  ignoreVersions: boolean;
  /** Ask torch whether CUDA works in the sandbox (the plugin needs a GPU and the host has a usable one). */
  gpu: boolean;
  pluginId: string;
}

const aptHint = (names: string[]): string => {
  const pkgs = [...new Set(names.map(debianPackageFor).filter((p): p is string => p !== null))];
  return pkgs.length ? `apt-get install ${pkgs.join(' ')}` : 'install it for that interpreter';
};

/**
 * A Python plugin's interpreter, modules and distributions, checked before any of its code runs. The interpreter
 * (its version), then modules, then declared distributions: the first kind that fails is reported, every missing
 * item of that kind in one reason that says how to fix it.
 */
export async function checkPython(py: PythonManifest, opts: PythonCheckOptions): Promise<CheckProblem | null> {
  const exe = opts.executable;
  const unavailable = (reason: string): CheckProblem => ({ state: 'UNAVAILABLE', code: 'DEPENDENCY_MISSING', reason });
  if (!existsSync(exe)) {
    return unavailable(
      `Python interpreter ${exe} not found; ${exe === '/usr/bin/python3' ? "install Debian's python3 (apt-get install python3)" : 'create it'} or name another in plugins.${opts.pluginId}.python.executable`,
    );
  }
  const aliases: Record<string, string> = {};
  for (const dep of py.dependencies) {
    const name =
      dep
        .trim()
        .split(/[\s<>=!~;[(]/)[0]
        ?.toLowerCase() ?? '';
    const mod = DIST_MODULES[name];
    if (mod) aliases[name] = mod;
  }
  const facts = await opts.probe(exe, {
    python: py.versionRange,
    modules: py.modules,
    dependencies: py.dependencies,
    aliases,
    torch: opts.gpu,
  });
  if ('error' in facts) return unavailable(`the dependency probe could not run ${exe}: ${facts.error}`);
  if (facts.versionOk === false && !opts.ignoreVersions) {
    return unavailable(
      `needs Python ${py.versionRange}, ${exe} is ${facts.version}; name another interpreter (a venv's bin/python) in plugins.${opts.pluginId}.python.executable`,
    );
  }
  if (facts.missingModules.length) {
    const list = facts.missingModules.map((m) => `'${m}'`).join(', ');
    return unavailable(
      `Python module${facts.missingModules.length > 1 ? 's' : ''} ${list} not found by ${exe}; ${aptHint(facts.missingModules)}`,
    );
  }
  const absent = facts.dependencies.filter((d) => d.installed === null && !d.ok);
  if (absent.length) {
    return unavailable(
      `${absent.map((d) => `${d.requirement} required, not installed`).join('; ')} (for ${exe}); ${aptHint(absent.map((d) => d.name))}`,
    );
  }
  const wrong = facts.dependencies.filter((d) => d.installed !== null && d.ok === false);
  if (wrong.length && !opts.ignoreVersions) {
    return unavailable(
      `${wrong.map((d) => `${d.requirement} required, ${d.installed} installed`).join('; ')}; install versions that satisfy them in a venv (python3 -m venv --system-site-packages) and name its bin/python in plugins.${opts.pluginId}.python.executable, or set plugins.${opts.pluginId}.python.ignoreVersions to true to load it anyway`,
    );
  }
  if (opts.gpu && facts.torch && !facts.torch.available) {
    return {
      state: 'FAILED',
      code: 'GPU_DRIVER_ERROR',
      reason: `the host sees a GPU but torch.cuda.is_available() is False inside the plugin's sandbox (torch ${facts.torch.version ?? '?'}${facts.torch.error ? `: ${facts.torch.error}` : ''}); install a CUDA build of torch for ${exe} and check the NVIDIA driver and device nodes (/dev/nvidia*)`,
    };
  }
  return null;
}
