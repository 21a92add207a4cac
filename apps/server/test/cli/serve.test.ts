import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSubset } from '../helpers/server.js';
import { BIN, runCli, serveArgs, startCli, type CliRun } from '../helpers/cli.js';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'bastion-cli-'));

/** PIDs of processes (workers and their sandbox wrappers) running with their cwd inside `folder`. */
function workersOf(folder: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(folder + path.sep);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** PIDs of `bastion serve` node processes (not npm's) whose command line names `marker`. */
function serversWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return argv.includes(marker) && argv.some((a) => a.endsWith('/bastion')) && !argv[0]?.startsWith('npm');
      } catch {
        return false;
      }
    })
    .map(Number);
}

const REPO_ROOT = path.resolve(path.dirname(BIN), '..', '..', '..');

/**
 * The README's start command, exactly: `npx --no-install bastion serve` from the repository root, in its own process group
 * (as a terminal or a service manager runs it). The project's .npmrc is what picks the shell, so the test's own
 * npm settings are kept out.
 */
function startNpx(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_script_shell$/i.test(k)));
  const child = spawn('npx', ['--no-install', 'bastion', 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { ...base, BASTION_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`npx exited before listening:\n${stdout}\n${stderr}`)));
  });
  url.catch(() => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

async function ready(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/readyz`).catch(() => null))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server never became ready');
}

const echo = (url: string, text: string) =>
  fetch(`${url}/v1/plugins/ok/tools/echo/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ args: { text } }),
  });

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('bastion serve', () => {
  it('prints the URL, serves, and stops cleanly with exit 0 on SIGTERM', async () => {
    const plugins = fixtureSubset(['ok']);
    const run = startCli(serveArgs(plugins, dataDir()));
    const url = await run.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      ready = (await fetch(`${url}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ready).toBe(200);
    const res = await fetch(`${url}/v1/plugins/ok/tools/echo/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args: { text: 'cli' } }),
    });
    expect(((await res.json()) as { result: unknown }).result).toEqual({ text: 'cli' });
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });

  describe('the README command, npx --no-install bastion serve', () => {
    it('stops the whole tree on SIGTERM with exit 0, after the call in flight finished', async () => {
      const plugins = fixtureSubset(['ok']);
      const data = dataDir();
      const run = startNpx(['--port', '0', '--no-bundled-plugins', '--plugins-dir', plugins, '--data-dir', data]);
      const url = await run.url;
      await ready(url);
      expect((await echo(url, 'via npx')).status).toBe(200);
      const servers = serversWith(data);
      expect(servers).toHaveLength(1);
      expect(workersOf(plugins).length).toBeGreaterThan(0);
      const slow = fetch(`${url}/v1/plugins/ok/tools/slow/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ args: { ms: 1000 } }),
      });
      await new Promise((r) => setTimeout(r, 200)); // the call has reached the worker
      run.child.kill('SIGTERM'); // what docker stop / systemd send to the process they started
      const answered = await slow;
      expect(answered.status).toBe(200);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      await until(() => serversWith(data).length === 0, 'the server to exit');
      await until(() => workersOf(plugins).length === 0, 'the workers to exit');
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    });

    it("stops with exit 0 on SIGINT to the process group (a terminal's Ctrl-C)", async () => {
      const data = dataDir();
      const run = startNpx([
        '--port',
        '0',
        '--no-bundled-plugins',
        '--plugins-dir',
        fixtureSubset(['ok']),
        '--data-dir',
        data,
      ]);
      await ready(await run.url);
      process.kill(-(run.child.pid as number), 'SIGINT');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      await until(() => serversWith(data).length === 0, 'the server to exit');
    });

    it('the server stops by itself when what started it dies (here: sh between npx and node)', async () => {
      const data = dataDir();
      // With sh as npm's script shell, SIGTERM kills sh and npx and leaves node behind: it must notice.
      const run = startNpx(
        ['--port', '0', '--no-bundled-plugins', '--plugins-dir', fixtureSubset(['ok']), '--data-dir', data],
        { npm_config_script_shell: 'sh' },
      );
      await ready(await run.url);
      expect(serversWith(data)).toHaveLength(1);
      run.child.kill('SIGTERM');
      await run.exited;
      await until(() => serversWith(data).length === 0, 'the orphaned server to stop');
      await until(() => /parent process \d+ exited: stopping/.test(run.output().stderr), 'the reason in its log');
    });
  });

  it('leaves no worker behind when the host is killed with SIGKILL', async () => {
    const plugins = fixtureSubset(['ok', 'hangs-sync']);
    const run = startCli(serveArgs(plugins, dataDir()));
    const url = await run.url;
    await until(() => workersOf(plugins).length >= 2, 'workers to start');
    // keep one worker busy in a CPU loop: it never looks at its IPC channel
    void fetch(`${url}/v1/plugins/hangs-sync/tools/run/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGKILL');
    await run.exited;
    await until(() => workersOf(plugins).length === 0, 'workers to die with the host');
  });

  it('reports every configuration problem together and exits 2', async () => {
    const { code, stderr } = await runCli(['serve', '--port', 'abc', '--log-level', 'loud', '--host', '0.0.0.0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port/);
    expect(stderr).toMatch(/logLevel/);
  });

  it('refuses a non-loopback host without keys unless --insecure', async () => {
    const { code, stderr } = await runCli([
      'serve',
      '--host',
      '0.0.0.0',
      '--no-bundled-plugins',
      '--data-dir',
      dataDir(),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--insecure/);
  });
});
