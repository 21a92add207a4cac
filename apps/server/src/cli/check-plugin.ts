import path from 'node:path';
import { DEFAULT_LIMITS } from '../config/defaults.js';
import { WORKER_ENTRY } from '../paths.js';
import { checkPluginFolder } from '../plugins/static-check.js';
import { buildSpawnSpec, detectIsolation } from '../sandbox/isolation.js';
import { LoadFailure, WorkerProcess } from '../sandbox/worker-process.js';

/** `bastion check-plugin DIR`: the static checks, then a real load in the sandbox. Exit 0 when it would load. */
export async function checkPlugin(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (!dir) {
    console.error('usage: bastion check-plugin DIR');
    return 1;
  }
  const folder = path.resolve(dir);
  const check = await checkPluginFolder(folder);
  if (!check.ok && check.stage === 'manifest') {
    console.error(`✗ manifest (MANIFEST_INVALID):`);
    for (const p of check.problems) console.error(`  - ${p}`);
    return 1;
  }
  const { manifest } = check;
  console.log(`✓ manifest: plugin '${manifest.id}' ${manifest.version ?? ''}`);
  if (!check.ok && check.stage === 'requirements') {
    const { problem } = check;
    console.error(`✗ requirements: ${problem.state} (${problem.code}): ${problem.reason}`);
    return 1;
  }
  console.log('✓ requirements: GPU, packages, binaries and models present');
  const limits = { ...DEFAULT_LIMITS, ...manifest.limits };
  const isolation = detectIsolation('auto');
  if (isolation.warning) console.warn(`! ${isolation.warning}`);
  let death = '';
  const worker = new WorkerProcess({
    pluginId: manifest.id,
    spawn: buildSpawnSpec({
      isolation,
      workerEntry: WORKER_ENTRY,
      pluginDir: folder,
      hiddenDirs: [],
      network: manifest.requires.network,
      memoryMb: limits.memoryMb,
    }),
    env: process.env,
    cwd: folder,
    memoryMb: limits.memoryMb,
    loadTimeoutMs: limits.loadTimeoutMs,
    load: { type: 'load', pluginDir: folder, entry: manifest.entry, config: {}, maxResultBytes: 16 * 1024 * 1024 },
    log: (line) => console.log(line),
    onMemoryPeak: () => {},
    onDeath: (d) => {
      death = d.message;
    },
  });
  try {
    const tools = await worker.start();
    console.log(
      `✓ load (${isolation.mode} isolation): ${tools.length} tool(s): ${tools.map((t) => t.name).join(', ')}`,
    );
    console.log(`  worker memory after load: ${Math.round(worker.peakMb)} MB peak`);
    await worker.dispose(3000);
    return 0;
  } catch (err) {
    const code = err instanceof LoadFailure ? err.code : 'LOAD_CRASHED';
    console.error(`✗ load (${code}): ${(err as Error).message}${death ? ` [${death}]` : ''}`);
    worker.kill('disposed');
    return 1;
  }
}
