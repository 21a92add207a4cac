import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const require = createRequire(import.meta.url);

/** The CLI of @redocly/cli (a root devDependency), run with the repository's redocly.yaml. */
function redoclyBin(): string {
  const pkgFile = require.resolve('@redocly/cli/package.json');
  const { bin } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin: Record<string, string> };
  return path.join(path.dirname(pkgFile), bin.redocly ?? 'bin/cli.js');
}

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

describe('OpenAPI document and Redocly', () => {
  let t: TestServer;
  let dir: string;
  beforeAll(async () => {
    // Keys on, so that every security scheme and the 401/403 answers are in the document.
    t = await startTestServer({ pluginsDirs: [], config: { adminKey: 'admin-key-123', userKey: 'user-key-456' } });
    dir = mkdtempSync(path.join(tmpdir(), 'bastion-openapi-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`redocly lint` (recommended rules) reports no error in the served /openapi.json', async () => {
    const res = await t.server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, res.body);
    // The CLI exits 1 when it finds errors; its JSON report says which either way.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [redoclyBin(), 'lint', file, '--format=json', '--config', path.join(ROOT, 'redocly.yaml')],
      {
        cwd: dir,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const report = JSON.parse(stdout) as LintReport;
    const errors = report.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);
});
