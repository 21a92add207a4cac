import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveLimits } from '../plugins/limits.js';
import { loadTools } from '../plugins/loaded-tool.js';
import { SchemaCompiler } from '../schemas/schema-compiler.js';
import { checkPluginFolder } from '../plugins/static-check.js';
import type { WorkerDeath } from '../sandbox/death.js';
import { detectIsolation } from '../sandbox/isolation.js';
import { LoadFailure } from '../sandbox/load-failure.js';
import { createWorkerFactory } from '../sandbox/worker-factory.js';
import { DEFAULT_PYTHON, NODE_RUNTIME } from '../sandbox/runtime.js';
import { gpuDeviceNodes } from '../plugins/checks/gpu.js';

/** One result of `bastion check-plugin`: a stage that passed, failed, or only warned. */
export interface Finding {
  stage: 'manifest' | 'requirements' | 'sandbox' | 'load';
  level: 'ok' | 'error' | 'warning';
  /** A code of the error registry when the stage failed. */
  code: string | null;
  message: string;
}

/**
 * The static checks, then a real load through the server's own worker factory (same sandbox, environment scrub and
 * limits as `bastion serve`), as data; the command only prints them.
 */
export async function inspectPlugin(folder: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const check = await checkPluginFolder(folder);
  if (!check.ok && check.stage === 'manifest') {
    findings.push({ stage: 'manifest', level: 'error', code: 'MANIFEST_INVALID', message: check.problems.join('\n') });
    return findings;
  }
  const { manifest } = check;
  findings.push({
    stage: 'manifest',
    level: 'ok',
    code: null,
    message: `plugin '${manifest.id}' ${manifest.version ?? ''}`.trim(),
  });
  if (!check.ok && check.stage === 'requirements') {
    const { problem } = check;
    findings.push({
      stage: 'requirements',
      level: 'error',
      code: problem.code,
      message: `${problem.state}: ${problem.reason}`,
    });
    return findings;
  }
  findings.push({
    stage: 'requirements',
    level: 'ok',
    code: null,
    message: 'GPU, packages, binaries and models present',
  });
  const isolation = detectIsolation('auto');
  const warn = (message: string): void =>
    void findings.push({ stage: 'sandbox', level: 'warning', code: null, message });
  if (isolation.warning) warn(isolation.warning);
  let death: WorkerDeath | null = null;
  const logs: string[] = [];
  const worker = createWorkerFactory({
    pluginId: manifest.id,
    folder,
    entry: manifest.entry,
    runtime: manifest.python
      ? { kind: 'python', executable: manifest.python.executable ?? DEFAULT_PYTHON }
      : NODE_RUNTIME,
    devices: manifest.requires.gpu ? gpuDeviceNodes() : [],
    network: manifest.requires.network,
    limits: resolveLimits(manifest, undefined),
    isolation,
    hiddenDirs: [],
    options: {},
    maxResultBytes: 16 * 1024 * 1024,
    log: (line) => logs.push(line),
    warn,
    onMemoryPeak: () => {},
  })((d) => {
    death = d;
  });
  const compiler = new SchemaCompiler();
  try {
    // The same checks as a load by the server: the worker's load, then its tools' schemas compiled by the host.
    const tools = await loadTools(compiler, await worker.start());
    findings.push({
      stage: 'load',
      level: 'ok',
      code: null,
      message: `${tools.length} tool(s): ${tools.map((t) => t.name).join(', ')} (${isolation.mode} isolation, limits by ${isolation.cgroups ? 'cgroup' : 'watchdog'}; worker memory ${Math.round(worker.peakMb)} MB peak after load)`,
    });
    await worker.dispose(3000);
  } catch (err) {
    const code = err instanceof LoadFailure ? err.code : 'LOAD_CRASHED';
    const why = (death as WorkerDeath | null)?.message;
    const output = logs.length ? `\nworker output:\n${logs.slice(-20).join('\n')}` : '';
    findings.push({
      stage: 'load',
      level: 'error',
      code,
      message: `${err instanceof Error ? err.message : String(err)}${why ? ` [${why}]` : ''}${output}`,
    });
    worker.kill('disposed');
  } finally {
    await compiler.close();
  }
  return findings;
}

/** `bastion check-plugin DIR [--json]`: exit 0 when the plugin would load, 1 otherwise. */
export async function checkPlugin(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (err) {
    console.error(`check-plugin: ${(err as Error).message}\nusage: bastion check-plugin DIR [--json]`);
    return 1;
  }
  const dir = parsed.positionals[0];
  if (!dir) {
    console.error('usage: bastion check-plugin DIR [--json]');
    return 1;
  }
  const folder = path.resolve(dir);
  const findings = await inspectPlugin(folder);
  const ok = !findings.some((f) => f.level === 'error');
  if (parsed.values.json) {
    // Machine-readable: one JSON document on stdout, the same findings the human output prints.
    console.log(JSON.stringify({ folder, ok, findings }, null, 2));
    return ok ? 0 : 1;
  }
  for (const f of findings) {
    const line = `${f.level === 'ok' ? '✓' : f.level === 'warning' ? '!' : '✗'} ${f.stage}${f.code ? ` (${f.code})` : ''}: ${f.message}`;
    if (f.level === 'ok') console.log(line);
    else console.error(line);
  }
  return ok ? 0 : 1;
}
