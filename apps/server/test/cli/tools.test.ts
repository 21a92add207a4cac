import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditServer } from '../../src/cli/audit.js';
import { FIXTURES_DIR, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { runCli } from '../helpers/cli.js';

/** A fake server whose health endpoints break the contract in the given ways. */
async function brokenServer(
  records: unknown[],
  detailStatus: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return json(200, { ok: true });
    if (req.url === '/v1/plugins') return json(200, records);
    if (req.url?.endsWith('/health')) return json(detailStatus, { ok: false });
    return json(404, { ok: false });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('bastion audit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'init-throws', 'missing-model'])], listen: true });
  });
  afterAll(() => t.close());

  it('passes a server that keeps the contract, warning about FAILED and UNAVAILABLE plugins', async () => {
    const report = await auditServer(t.url);
    expect(report).toMatchObject({ ok: true, plugins: 3, errors: 0, warnings: 2 });
    expect(report.findings.map((f) => [f.level, f.check, f.plugin]).sort()).toEqual([
      ['warning', 'plugin-failed', 'init-throws'],
      ['warning', 'plugin-unavailable', 'missing-model'],
    ]);
    const human = await runCli(['audit', '--url', t.url]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/health contract OK/);
    expect(human.stdout).toMatch(/warning \[plugin-failed\] init-throws/);
    const json = await runCli(['audit', '--url', t.url, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(report);
  });

  it('warns, and still passes, when the server lists no plugins', async () => {
    const empty = await startTestServer({
      pluginsDirs: [mkdtempSync(path.join(tmpdir(), 'bastion-none-'))],
      listen: true,
    });
    try {
      const { code, stdout } = await runCli(['audit', '--url', empty.url, '--json']);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ ok: true, plugins: 0, findings: [{ check: 'no-plugins' }] });
    } finally {
      await empty.close();
    }
  });

  it('fails with errors when the contract is broken', async () => {
    const fake = await brokenServer(
      [
        { name: 'b', state: 'BROKEN' },
        { name: 'a', state: 'FAILED' },
      ],
      500,
    );
    try {
      const { code, stdout } = await runCli(['audit', '--url', fake.url, '--json']);
      expect(code).toBe(1);
      const report = JSON.parse(stdout) as { ok: boolean; findings: Array<{ level: string; check: string }> };
      expect(report.ok).toBe(false);
      const errors = new Set(report.findings.filter((f) => f.level === 'error').map((f) => f.check));
      for (const check of ['list-sorted', 'record-keys', 'record-state', 'record-reason', 'detail-status']) {
        expect(errors, check).toContain(check);
      }
      const human = await runCli(['audit', '--url', fake.url]);
      expect(human.code).toBe(1);
      expect(human.stderr).toMatch(/health contract broken/);
    } finally {
      await fake.close();
    }
  });

  it('fails on something that is not reachable', async () => {
    const { code, stdout } = await runCli(['audit', '--url', 'http://127.0.0.1:9', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, findings: [{ level: 'error', check: 'reachable' }] });
  });
});

describe('bastion check-plugin', () => {
  it('accepts a good plugin after loading it in the sandbox', async () => {
    const { code, stdout } = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'ok')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/6 tool\(s\): echo, bytes, slow, stubborn, bad_output, probe/);
  });

  it('names the failing stage and code', async () => {
    const init = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'init-throws')]);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/INIT_ERROR.*model failed to load/);
    const manifest = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'bad-manifest')]);
    expect(manifest.code).toBe(1);
    expect(manifest.stderr).toMatch(/MANIFEST_INVALID/);
    const model = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'missing-model')]);
    expect(model.stderr).toMatch(/MODEL_MISSING/);
  });

  it('answers --json with the same findings as data', async () => {
    const good = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'ok'), '--json']);
    expect(good.code).toBe(0);
    const report = JSON.parse(good.stdout) as { ok: boolean; findings: Array<{ stage: string; level: string }> };
    expect(report.ok).toBe(true);
    expect(report.findings.filter((f) => f.level === 'ok').map((f) => f.stage)).toEqual([
      'manifest',
      'requirements',
      'load',
    ]);
    const bad = await runCli(['check-plugin', path.join(FIXTURES_DIR, 'init-throws'), '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      findings: expect.arrayContaining([
        expect.objectContaining({ stage: 'load', level: 'error', code: 'INIT_ERROR' }),
      ]),
    });
  });

  it('unknown commands print usage and fail', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/usage: bastion/);
  });
});
