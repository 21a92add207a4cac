import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The CLI of @redocly/cli (a root devDependency). */
function redoclyBin(): string {
  const pkgFile = createRequire(import.meta.url).resolve('@redocly/cli/package.json');
  const { bin } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin: Record<string, string> };
  return path.join(path.dirname(pkgFile), bin.redocly ?? 'bin/cli.js');
}

/** A client program as its author would write it against the generated types of the `typed` fixture. */
const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './typed.js';

const client = createClient<paths>({ baseUrl: process.argv[2] });
const { data, error } = await client.POST('/v1/plugins/typed/tools/describe/run', {
  body: { args: { size: 3, flag: true } },
});
if (error) throw new Error(error.error.code);
// The result is typed by the tool's outputSchema, not unknown.
const size: number = data.result.size;
const fileBytes: number | null = data.result.file_bytes;
const types: Record<string, string> = data.result.types;
// @ts-expect-error -- the output schema has no such property
void data.result.colour;
// @ts-expect-error -- size is an integer in the input schema
void client.POST('/v1/plugins/typed/tools/describe/run', { body: { args: { size: 'three' } } });
// @ts-expect-error -- size is required
void client.POST('/v1/plugins/typed/tools/describe/run', { body: { args: {} } });
console.log(JSON.stringify({ size, fileBytes, types, plugin: data.plugin }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    lib: ['ES2022', 'DOM'],
    types: ['node'],
    outDir: 'dist',
  },
  files: ['client.ts', 'typed.ts'],
};

describe('GET /v1/plugins/:name/openapi.json', () => {
  let t: TestServer;
  let plugins: string;
  beforeAll(async () => {
    plugins = fixtureSubset(['ok', 'typed', 'missing-binary']);
    t = await startTestServer({ listen: true, pluginsDirs: [plugins] });
  });
  afterAll(() => t.close());

  const get = (name: string) => t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/openapi.json` });

  it("has one operation per tool, typed by the tool's own schemas", async () => {
    const res = await get('typed');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/plugins/typed/tools/describe/run',
      '/v1/plugins/typed/tools/thumbnail/run',
    ]);
    const manifest = (await t.server.app.inject({ method: 'GET', url: '/v1/plugins/typed/manifest' })).json();
    const describe = manifest.tools.find((x: { name: string }) => x.name === 'describe');
    expect(doc.components.schemas.DescribeArgs).toEqual(describe.input_schema);
    expect(doc.components.schemas.DescribeResult).toEqual(describe.output_schema);
    expect(doc.paths['/v1/plugins/typed/tools/describe/run'].post.operationId).toBe('describe');
  });

  it('follows the registry: a plugin that is not available has no operations; an unknown one is 404', async () => {
    const unavailable = await get('missing-binary');
    expect(unavailable.statusCode).toBe(200);
    expect(unavailable.json().paths).toEqual({});
    const unknown = await get('nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('PLUGIN_NOT_FOUND');
  });

  it('changes when a restarted plugin brings other tools', async () => {
    const entry = path.join(plugins, 'ok', 'index.js');
    const source = readFileSync(entry, 'utf8');
    writeFileSync(entry, source.replace('    bytes: {', '    counted_bytes: {'));
    try {
      const restart = await t.server.app.inject({ method: 'POST', url: '/v1/plugins/ok/restart' });
      expect(restart.json().state).toBe('INITIALIZED');
      const paths = Object.keys((await get('ok')).json().paths);
      expect(paths).toContain('/v1/plugins/ok/tools/counted_bytes/run');
      expect(paths).not.toContain('/v1/plugins/ok/tools/bytes/run');
    } finally {
      writeFileSync(entry, source);
      await t.server.app.inject({ method: 'POST', url: '/v1/plugins/ok/restart' });
    }
  });

  it('`redocly lint` (recommended rules) reports no error in a plugin document', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-plugin-openapi-'));
    try {
      const file = path.join(dir, 'typed.json');
      writeFileSync(file, (await get('typed')).body);
      const { stdout } = await run(
        process.execPath,
        [redoclyBin(), 'lint', file, '--format=json', '--config', path.join(REPO_ROOT, 'redocly.yaml')],
        {
          cwd: dir,
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
          maxBuffer: 16 * 1024 * 1024,
        },
      ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      const report = JSON.parse(stdout) as {
        problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
      };
      const errors = report.problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('openapi-typescript generates a client whose call type-checks against the real result, and runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-typed-client-'));
    try {
      const doc = (await get('typed')).json();
      writeFileSync(path.join(dir, 'typed.ts'), astToString(await openapiTS(doc)));
      writeFileSync(path.join(dir, 'client.ts'), CLIENT);
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      // A type error (or an unused @ts-expect-error, i.e. a type too loose) fails the build.
      await run(process.execPath, [TSC, '-p', dir]).catch((err: { stdout?: string }) => {
        throw new Error(`tsc failed:\n${err.stdout ?? String(err)}`);
      });
      const { stdout } = await run(process.execPath, [path.join(dir, 'dist', 'client.js'), t.url]);
      expect(JSON.parse(stdout)).toEqual({
        size: 3,
        fileBytes: null,
        types: { size: 'number', flag: 'boolean' },
        plugin: 'typed',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
