import { spawn } from 'node:child_process';
import { PYTHON_PROBE } from '../../paths.js';
import type { PythonFacts, PythonProbe, PythonProbeSpec } from './python.js';
import { buildSpawnSpec, type IsolationInfo } from '../../sandbox/isolation.js';
import { workerEnv } from '../../sandbox/worker-env.js';
import { unreadablePath } from '../../sandbox/worker-user.js';

export interface PythonProbeInput {
  isolation: IsolationInfo;
  folder: string;
  hiddenDirs: string[];
  devices: Array<[string, string]>;
  timeoutMs?: number;
}

const MAX_OUTPUT = 1024 * 1024;

/**
 * The dependency probe of a Python plugin (python/probe.py), run in the same sandbox as its workers: the
 * interpreter may be one the plugin names (a venv in its folder), whose start-up is not the host's to trust.
 */
export function createPythonProbe(input: PythonProbeInput): PythonProbe {
  return (executable: string, spec: PythonProbeSpec) =>
    new Promise((resolve) => {
      const user = input.isolation.workerUser;
      const runAs = user && !unreadablePath(user, [executable, PYTHON_PROBE], [input.folder]) ? user : null;
      const cmd = buildSpawnSpec({
        isolation: input.isolation,
        workerEntry: PYTHON_PROBE,
        program: [executable, '-I', PYTHON_PROBE, JSON.stringify(spec)],
        devices: input.devices,
        pluginDir: input.folder,
        hiddenDirs: input.hiddenDirs,
        network: false,
        memoryMb: 1024,
        user: runAs,
      });
      const child = spawn(cmd.command, cmd.args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: workerEnv({ network: false }),
        cwd: input.folder,
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        if (out.length < MAX_OUTPUT) out += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        err = (err + c).slice(-2000);
      });
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, input.timeoutMs ?? 60_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ error: e.message });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code !== 0) {
          const last = err.trim().split('\n').slice(-1)[0] ?? '';
          resolve({ error: `exit ${code ?? signal}${last ? `: ${last}` : ''}` });
          return;
        }
        try {
          resolve(JSON.parse(out) as PythonFacts);
        } catch {
          resolve({ error: 'the probe printed no JSON' });
        }
      });
    });
}
