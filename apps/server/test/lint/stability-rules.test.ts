import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const eslint = new ESLint({ cwd: ROOT });

/** The rules a sample source file breaks when it sits at `file` (relative to the repository root). */
async function rulesBrokenBy(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const SPAWNS = "import { spawn } from 'node:child_process';\nspawn('sh');\n";
const SPAWNS_BARE = "import { execFile } from 'child_process';\nexecFile('sh');\n";
const LOADS_PLUGIN = 'export async function load(entry: string) {\n  return import(entry);\n}\n';
const REQUIRES_PLUGIN = 'export function load(entry: string): unknown {\n  return require(entry);\n}\n';

describe('stability lint rules (eslint.config.js)', () => {
  it('forbid spawning processes outside the sandbox and the listed places', async () => {
    expect(await rulesBrokenBy('apps/server/src/api/routes/bad.ts', SPAWNS)).toContain('no-restricted-imports');
    expect(await rulesBrokenBy('apps/server/src/jobs/bad.ts', SPAWNS_BARE)).toContain('no-restricted-imports');
    expect(await rulesBrokenBy('packages/sdk/src/bad.ts', SPAWNS)).toContain('no-restricted-imports');
    expect(await rulesBrokenBy('plugins/ocr/src/bad.ts', SPAWNS)).toContain('no-restricted-imports');
  });

  it('allow it in the sandbox, the GPU probe, tests, bench, scripts and video-tracker', async () => {
    for (const file of [
      'apps/server/src/sandbox/bad.ts',
      'apps/server/src/plugins/checks/gpu.ts',
      'apps/server/test/bad.test.ts',
      'bench/bad.mjs',
      'scripts/bad.mjs',
      'plugins/video-tracker/src/bad.ts',
    ]) {
      expect(await rulesBrokenBy(file, SPAWNS), file).not.toContain('no-restricted-imports');
    }
  });

  it('forbid importing plugin code by a computed path anywhere in the host but the worker', async () => {
    expect(await rulesBrokenBy('apps/server/src/plugins/bad.ts', LOADS_PLUGIN)).toContain('no-restricted-syntax');
    expect(await rulesBrokenBy('apps/server/src/cli/bad.ts', REQUIRES_PLUGIN)).toContain('no-restricted-syntax');
    expect(await rulesBrokenBy('apps/server/src/sandbox/worker/bad.ts', LOADS_PLUGIN)).not.toContain(
      'no-restricted-syntax',
    );
    // The CLI's lazy imports of its own modules are string literals and stay allowed.
    expect(await rulesBrokenBy('apps/server/src/cli/ok.ts', "export const m = () => import('./audit.js');\n")).toEqual(
      [],
    );
  });
});
