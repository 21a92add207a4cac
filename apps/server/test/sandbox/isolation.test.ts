import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_ENTRY } from '../../src/paths.js';
import { detectIsolation, NOBODY } from '../../src/sandbox/isolation.js';
import { readableBy, unreadablePath } from '../../src/sandbox/worker-user.js';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { FIXTURES_DIR } from '../helpers/server.js';

const isRoot = process.getuid?.() === 0;
const namespaces = process.platform === 'linux' && detectIsolation('auto').mode === 'namespace';
/** Outside /tmp (a worker's /tmp is a private tmpfs anyway, which would hide a masking bug). */
const CHECKOUT_PARENT = path.resolve(FIXTURES_DIR, '..', '..', '..', '..', '..', '..');
/** Beside the checkout where `nobody` can reach it (a checkout under a 0700 folder is not), else /var/tmp. */
const WORK_ROOT = readableBy(NOBODY, CHECKOUT_PARENT, { dir: true }) ? CHECKOUT_PARENT : '/var/tmp';
/** Whether `nobody` can run the host's node and worker entry (a checkout under a 0700 folder: it cannot). */
const codeReadableByNobody = unreadablePath(NOBODY, [process.execPath, WORKER_ENTRY], []) === null;

interface Probe {
  pid: number;
  uid: number;
  read: number | string | null;
  write: string;
  tmp_write: string;
  connect: string | null;
  signal: string | null;
  environ: Record<string, string>;
  unmasked: string | null;
  env: Record<string, string>;
}

/**
 * The real CLI, started from a folder outside /tmp with the default data dir (`./.bastion`) and a real admin key
 * in its environment; the `ok` fixture's probe tool reports what its worker can reach.
 */
function startHost(isolation: 'auto' | 'process') {
  const root = mkdtempSync(path.join(WORK_ROOT, 'bastion-isolation-'));
  chmodSync(root, 0o755); // like a checkout: readable, so an unprivileged worker can load its plugin
  const plugins = path.join(root, 'plugins');
  for (const name of ['ok', 'throws'])
    cpSync(path.join(FIXTURES_DIR, name), path.join(plugins, name), { recursive: true });
  const key = `key-${randomBytes(12).toString('hex')}`;
  const run = startCli(
    ['serve', '--port', '0', '--no-bundled-plugins', '--plugins-dir', plugins, '--isolation', isolation],
    { BASTION_ADMIN_KEY: key },
    { cwd: root },
  );
  const probe = async (args: Record<string, unknown>): Promise<Probe> => {
    const url = await run.url;
    for (let i = 0; i < 200; i++) {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await fetch(`${url}/v1/plugins/ok/tools/probe/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ args }),
    });
    const body = (await res.json()) as { result: Probe };
    expect(res.status).toBe(200);
    return body.result;
  };
  return {
    root,
    plugins,
    key,
    run,
    probe,
    dataDir: path.join(root, '.bastion'),
    async stop(): Promise<void> {
      run.child.kill('SIGTERM');
      await run.exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function expectNoKey(host: ReturnType<typeof startHost>, r: Probe): void {
  expect(r.env.BASTION_ADMIN_KEY).toBeUndefined();
  expect(JSON.stringify(r)).not.toContain(host.key); // not in its env, nor in /proc/1 or /proc/<host>/environ
}

describe.runIf(namespaces)('namespace isolation', () => {
  let host: ReturnType<typeof startHost>;
  beforeAll(() => {
    host = startHost('auto');
  });
  afterAll(() => host.stop());

  it('never hands the host’s keys to a worker: not in its environment, nor readable from /proc', async () => {
    const hostPid = host.run.child.pid as number;
    const r = await host.probe({ environ_pids: [1, hostPid] });
    expectNoKey(host, r);
    expect(r.environ[String(hostPid)]).toBe('ENOENT'); // the host is not in the worker's PID namespace
  });

  it('confines the worker: own PID and network namespace, data dir and other plugins masked, no capabilities', async () => {
    const port = Number(new URL(await host.run.url).port);
    const r = await host.probe({ path: host.dataDir, port, host_pid: host.run.child.pid, unmask: host.dataDir });
    expect(r.pid).toBe(2); // own PID namespace: the host is invisible…
    expect(r.signal).toBe('ESRCH'); // …and cannot be signalled
    expect(r.read).toBe(0); // the default data dir (./.bastion, outside /tmp) is masked (empty)
    expect(r.unmasked).toBe('refused'); // and the mask cannot be removed (root in the sandbox has no capabilities)
    expect(r.write).toBe('EROFS'); // its own folder is read-only
    expect(r.tmp_write).toBe('ok'); // its private /tmp is writable
    expect(r.connect).toBe('ECONNREFUSED'); // own network namespace: the host's port is unreachable
    expect((await host.probe({ path: path.join(host.plugins, 'throws') })).read).toBe(0); // other plugins masked
    expect((await host.probe({ path: path.join(host.plugins, 'ok') })).read).toBeGreaterThan(0);
  });
});

describe.runIf(process.platform === 'linux' && isRoot)('plain-process isolation under a root host', () => {
  let host: ReturnType<typeof startHost>;
  beforeAll(() => {
    host = startHost('process');
  });
  afterAll(() => host.stop());

  it.runIf(codeReadableByNobody)(
    'runs workers as nobody: the host’s environment, the data dir and signals are out of reach',
    async () => {
      const hostPid = host.run.child.pid as number;
      const r = await host.probe({ environ_pids: [1, hostPid], path: host.dataDir, host_pid: hostPid });
      expect(r.uid).toBe(65534);
      expectNoKey(host, r);
      expect(r.environ[String(hostPid)]).toBe('EACCES');
      expect(r.read).toBe('EACCES'); // the data dir is the host's alone (0700)
      expect(r.signal).toBe('EPERM');
      expect(r.write).toBe('EACCES'); // its folder belongs to root
      expect(r.tmp_write).toBe('ok'); // its private TMPDIR is writable
      expect(host.run.output().stderr).not.toContain("run as the host's user");
    },
  );

  it.skipIf(codeReadableByNobody)(
    'where nobody cannot read the host’s code, runs workers as the host’s user and says so in the log',
    async () => {
      const r = await host.probe({ environ_pids: [] });
      expect(r.uid).toBe(0);
      expect(r.env.BASTION_ADMIN_KEY).toBeUndefined(); // the environment is still scrubbed
      expect(host.run.output().stderr).toContain("run as the host's user");
    },
  );
});

describe('--isolation namespace', () => {
  it('refuses to start (exit 2) where namespaces are unavailable, instead of silently falling back', async () => {
    // No bwrap on PATH: as on a machine without bubblewrap.
    const { code, stderr } = await runCli(
      ['serve', '--port', '0', '--no-bundled-plugins', '--isolation', 'namespace'],
      {
        PATH: '/nonexistent',
      },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/namespace.*bubblewrap|bubblewrap.*namespace/s);
  });

  it('auto falls back to plain processes with a warning', async () => {
    const run: CliRun = startCli(
      [
        'serve',
        '--port',
        '0',
        '--no-bundled-plugins',
        '--isolation',
        'auto',
        '--data-dir',
        mkdtempSync('/tmp/bastion-'),
      ],
      { PATH: '/nonexistent' },
    );
    await run.url;
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(run.output().stderr).toMatch(/plain processes/);
  });
});

describe('bastion check-plugin', () => {
  it('loads the plugin through the server’s own sandbox: the host’s secrets stay out of the worker', async () => {
    const env = { BASTION_ADMIN_KEY: 'admin-secret-123', AWS_SECRET_ACCESS_KEY: 'aws-secret' };
    const { code, stdout, stderr } = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'env-check')], env);
    expect(stderr).not.toMatch(/can see the host's secrets/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/1 tool\(s\): run/);
  });
});
