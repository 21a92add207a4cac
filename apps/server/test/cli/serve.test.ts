import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSubset } from '../helpers/server.js';
import { runCli, startCli } from '../helpers/cli.js';

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
    const run = startCli([
      'serve',
      '--port',
      '0',
      '--no-bundled-plugins',
      '--plugins-dir',
      plugins,
      '--data-dir',
      dataDir(),
    ]);
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

  it('leaves no worker behind when the host is killed with SIGKILL', async () => {
    const plugins = fixtureSubset(['ok', 'hangs-sync']);
    const run = startCli([
      'serve',
      '--port',
      '0',
      '--no-bundled-plugins',
      '--plugins-dir',
      plugins,
      '--data-dir',
      dataDir(),
    ]);
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
