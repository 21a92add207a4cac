import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'bastion.js');

export interface CliRun {
  child: ChildProcess;
  url: Promise<string>;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `bastion serve` on a free port with only `pluginsDir`'s plugins and the given data dir, then `extra` flags. */
export function serveArgs(pluginsDir: string, dataDir: string, ...extra: string[]): string[] {
  return ['serve', '--port', '0', '--no-bundled-plugins', '--plugins-dir', pluginsDir, '--data-dir', dataDir, ...extra];
}

/** Starts the real CLI; `url` resolves from the `listening on` line. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, opts: { cwd?: string } = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: { ...process.env, BASTION_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: string) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`CLI exited before listening:\n${stdout}\n${stderr}`)));
  });
  url.catch(() => {});
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = startCli(args, env);
  const { code } = await run.exited;
  return { code, ...run.output() };
}
