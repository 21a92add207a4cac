import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';

/** Runs `promtool check metrics` (Debian's prometheus, scripts/install-system-deps.sh) on a scrape. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

describe('/metrics and promtool', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws'])] });
  });
  afterAll(() => t.close());

  it('passes promtool check metrics with exit 0 on the full scrape', async () => {
    await runTool(t.server, 'ok', 'echo', { text: 'x' });
    await runTool(t.server, 'throws', 'run');
    await t.server.app.inject({ url: '/v1/plugins/nope/health' });
    const res = await t.server.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/bastion_request_errors_total\{code="PLUGIN_NOT_FOUND",surface="http"\} 1/);
    const { code, output } = await promtoolCheck(res.body);
    expect(output.trim()).toBe('');
    expect(code).toBe(0);
    // prom-client's misnamed sums are gone; the per-type gauges they summed stay.
    expect(res.body).not.toMatch(/^nodejs_active_handles_total/m);
    expect(res.body).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
  });
});
