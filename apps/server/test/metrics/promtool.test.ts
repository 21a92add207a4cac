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

/**
 * prom-client's default gauges of active handles/requests/resources are named `*_total`, which promtool's lint
 * reserves for counters; they are the library's names, kept so that dashboards for Node.js processes work.
 */
const KNOWN = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

describe('/metrics and promtool', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws'])] });
  });
  afterAll(() => t.close());

  it('parses as Prometheus text and passes promtool lint but for prom-client’s own gauge names', async () => {
    await runTool(t.server, 'ok', 'echo', { text: 'x' });
    await runTool(t.server, 'throws', 'run');
    await t.server.app.inject({ url: '/v1/plugins/nope/health' });
    const res = await t.server.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/bastion_request_errors_total\{code="PLUGIN_NOT_FOUND",surface="http"\} 1/);
    const { code, output } = await promtoolCheck(res.body);
    const problems = output.split('\n').filter((l) => l.trim() && !KNOWN.test(l.trim()));
    expect(problems).toEqual([]);
    // Exit 3 is "lint problems found" (the known ones); anything else, e.g. a parse error, is 1.
    expect([0, 3]).toContain(code);
  });
});
