import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditServer } from '../../src/cli/audit.js';
import { FIXTURES_DIR, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { runCli } from '../helpers/cli.js';

describe('bastion audit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'init-throws', 'missing-model'])], listen: true });
  });
  afterAll(() => t.close());

  it('passes on a server that keeps the health contract', async () => {
    expect(await auditServer(t.url)).toEqual([]);
    const { code, stdout } = await runCli(['audit', '--url', t.url]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/health contract OK/);
  });

  it('fails on something that is not a Bastion server', async () => {
    const { code } = await runCli(['audit', '--url', 'http://127.0.0.1:9']);
    expect(code).toBe(1);
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

  it('unknown commands print usage and fail', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/usage: bastion/);
  });
});
