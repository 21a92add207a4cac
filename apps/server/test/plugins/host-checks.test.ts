import { SchemaCompiler } from '../../src/schemas/schema-compiler.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEngines, checkOptions, HOST_VERSION } from '../../src/plugins/host-checks.js';
import { readManifest, type Manifest } from '../../src/plugins/manifest.js';
import { startTestServer } from '../helpers/server.js';

/** A plugins dir with one working plugin whose `bastion` field gets `extra`. */
function pluginsDirWith(id: string, extra: Record<string, unknown>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'bastion-hostcheck-'));
  const dir = path.join(root, id);
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: id,
      version: '1.0.0',
      type: 'module',
      main: 'index.js',
      bastion: { apiVersion: 1, ...extra },
    }),
  );
  writeFileSync(
    path.join(dir, 'index.js'),
    `export default { init: (ctx) => ({ config: ctx.config }), tools: { options: { description: 'echo the options',
      inputSchema: { type: 'object' }, handler: (_a, ctx) => ctx.config } } };\n`,
  );
  return root;
}

function manifestOf(extra: Record<string, unknown>): Manifest {
  const r = readManifest(path.join(pluginsDirWith('probe', extra), 'probe'));
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.manifest;
}

const optionsSchema = {
  type: 'object',
  properties: { maxSessions: { type: 'integer', minimum: 1 }, mode: { enum: ['fast', 'best'] } },
  required: ['mode'],
  additionalProperties: false,
};

describe('bastion.engines', () => {
  it('reads a semver range and refuses one that is not', () => {
    expect(manifestOf({ engines: { bastion: '>=0.1.0 <2' } }).engines).toBe('>=0.1.0 <2');
    expect(manifestOf({}).engines).toBeNull();
    const bad = readManifest(path.join(pluginsDirWith('p', { engines: { bastion: 'soon' } }), 'p'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join()).toMatch(/engines\.bastion/);
  });

  it('passes a host inside the range and names both versions otherwise', () => {
    expect(checkEngines(manifestOf({ engines: { bastion: `^${HOST_VERSION}` } }))).toBeNull();
    expect(checkEngines(manifestOf({ engines: { bastion: '^0.2.0' } }), '0.2.0-rc.1')).toBeNull();
    const problem = checkEngines(manifestOf({ engines: { bastion: '>=99.0.0' } }), '0.1.0');
    expect(problem?.state).toBe('FAILED');
    expect(problem?.code).toBe('MANIFEST_INVALID');
    expect(problem?.reason).toContain('>=99.0.0');
    expect(problem?.reason).toContain('0.1.0');
  });
});

describe('bastion.options', () => {
  it('keeps the schema and refuses one that is not JSON Schema', () => {
    expect(manifestOf({ options: optionsSchema }).optionsSchema).toEqual(optionsSchema);
    const bad = readManifest(path.join(pluginsDirWith('p', { options: { type: 'banana' } }), 'p'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join()).toMatch(/bastion\.options/);
  });

  it('checks the operator options and lists each mismatch', async () => {
    const m = manifestOf({ options: optionsSchema });
    const compiler = new SchemaCompiler();
    try {
      expect(await checkOptions(m, { mode: 'fast', maxSessions: 4 }, compiler)).toBeNull();
      expect(await checkOptions(manifestOf({}), { anything: true }, compiler)).toBeNull();
      const problem = await checkOptions(m, { maxSessions: 0, colour: 'red' }, compiler);
      expect(problem?.state).toBe('FAILED');
      expect(problem?.code).toBe('OPTIONS_INVALID');
      expect(problem?.reason).toMatch(/'mode'/);
      expect(problem?.reason).toMatch(/'colour'/);
      expect(problem?.reason).toMatch(/maxSessions/);
    } finally {
      await compiler.close();
    }
  });
});

describe('the host applies both before loading', () => {
  it('FAILs a plugin whose options or host range do not fit, loads one whose do', async () => {
    const dirs = [
      pluginsDirWith('good-opts', { options: optionsSchema }),
      pluginsDirWith('bad-opts', { options: optionsSchema }),
      pluginsDirWith('future', { engines: { bastion: '>=99.0.0' } }),
    ];
    const t = await startTestServer({
      pluginsDirs: dirs,
      config: {
        file: {
          plugins: { 'good-opts': { options: { mode: 'best' } }, 'bad-opts': { options: { mode: 'slow' } } },
        },
      } as never,
    });
    try {
      const health = async (name: string) =>
        (await t.server.app.inject({ url: `/v1/plugins/${name}/health` })).json() as Record<string, unknown>;
      expect(await health('good-opts')).toMatchObject({ state: 'INITIALIZED' });
      const run = await t.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/good-opts/tools/options/run',
        payload: { args: {} },
      });
      expect(run.json().result).toEqual({ mode: 'best' });
      expect(await health('bad-opts')).toMatchObject({ state: 'FAILED', reason_code: 'OPTIONS_INVALID' });
      const future = await health('future');
      expect(future).toMatchObject({ state: 'FAILED', reason_code: 'MANIFEST_INVALID' });
      expect(String(future.reason)).toContain(HOST_VERSION);
    } finally {
      await t.close();
    }
  });
});
