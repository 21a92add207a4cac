import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';

describe('worker isolation', () => {
  let t: TestServer;
  let plugins: string;
  beforeAll(async () => {
    plugins = fixtureSubset(['ok', 'throws']);
    t = await startTestServer({ pluginsDirs: [plugins], listen: true, config: { adminKey: 'admin-secret-1' } });
  });
  afterAll(() => t.close());
  const probe = async (args: Record<string, unknown>) => {
    const res = await runTool(t.server, 'ok', 'probe', args, { 'x-api-key': 'admin-secret-1' });
    expect(res.status).toBe(200);
    return res.body.result as Record<string, unknown>;
  };

  it('never hands the host’s keys to a worker', async () => {
    expect((await probe({})).env_admin_key).toBeNull();
  });

  it.runIf(process.platform === 'linux')('confines workers to namespaces where the OS allows it', async () => {
    if (t.server.isolation.mode !== 'namespace') {
      // Documented fallback: the health record says so.
      expect((await t.server.app.inject({ url: '/v1/plugins/ok/health' })).json().isolation).toBe('process');
      return;
    }
    const port = Number(new URL(t.url).port);
    const r = await probe({ path: t.dataDir, port, host_pid: process.pid });
    expect(r.pid).toBe(2); // own PID namespace: the host is invisible…
    expect(r.signal).toBe('ESRCH'); // …and cannot be signalled
    expect(r.read).toBe(0); // the data dir is masked (empty)
    expect(r.write).toBe('EROFS'); // its own folder is read-only
    expect(r.connect).toBe('ECONNREFUSED'); // own network namespace: the host's port is unreachable
    const other = await probe({ path: `${plugins}/throws` });
    expect(other.read).toBe(0); // other plugins' folders are masked
    const self = await probe({ path: `${plugins}/ok` });
    expect(self.read).toBeGreaterThan(0);
  });
});
