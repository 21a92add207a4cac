import type { GpuProbe } from './checks/gpu.js';
import { probeGpu } from './checks/gpu.js';
import { checkRequirements, type CheckProblem } from './checks/index.js';
import { checkEngines } from './host-checks.js';
import { readManifest, type Manifest } from './manifest.js';
import { detectIsolation } from '../sandbox/isolation.js';
import { createPythonProbe } from './checks/python-probe.js';
import { DEFAULT_PYTHON } from '../sandbox/runtime.js';
import { gpuDeviceNodes } from './checks/gpu.js';

export type StaticCheck =
  | { ok: true; manifest: Manifest }
  | { ok: false; stage: 'manifest'; problems: string[] }
  | { ok: false; stage: 'requirements'; manifest: Manifest; problem: CheckProblem };

/**
 * Everything the host checks about a plugin folder before running any of its code: the manifest, then the GPU,
 * packages, binaries and model files. Used by `bastion check-plugin` and by plugins' own tests.
 */
export async function checkPluginFolder(
  folder: string,
  opts: { allowCpu?: boolean; gpu?: () => Promise<GpuProbe> } = {},
): Promise<StaticCheck> {
  const result = readManifest(folder);
  if (!result.ok) return { ok: false, stage: 'manifest', problems: result.problems };
  const engines = checkEngines(result.manifest);
  if (engines) return { ok: false, stage: 'manifest', problems: [engines.reason] };
  const { python, requires } = result.manifest;
  const problem = await checkRequirements(result.manifest, {
    folder,
    gpu: opts.gpu ?? (() => probeGpu()),
    allowCpu: opts.allowCpu ?? false,
    ...(python
      ? {
          python: {
            executable: python.executable ?? DEFAULT_PYTHON,
            probe: createPythonProbe({
              isolation: detectIsolation('auto'),
              folder,
              hiddenDirs: [],
              devices: requires.gpu ? gpuDeviceNodes() : [],
            }),
            ignoreVersions: false,
          },
        }
      : {}),
  });
  if (problem) return { ok: false, stage: 'requirements', manifest: result.manifest, problem };
  return { ok: true, manifest: result.manifest };
}
