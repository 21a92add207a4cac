import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PLUGINS_DIR } from '../../src/paths.js';
import { openPluginHost } from '../../src/single-host.js';
import { runCli, serveArgs, startCli } from '../helpers/cli.js';

/** A command in a folder, as its author would run it (without this test runner's environment). */
function sh(cwd: string, cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && !k.startsWith('npm_')) env[k] = v;
  }
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function ok(cwd: string, cmd: string, ...args: string[]): Promise<string> {
  const run = await sh(cwd, cmd, args);
  expect(run.code, `${cmd} ${args.join(' ')} in ${cwd}:\n${run.output}`).toBe(0);
  return run.output;
}

/** `npm install` that uses npm's cache first: the registry is only asked for what the cache lacks. */
const npmInstall = (cwd: string, ...what: string[]) =>
  ok(cwd, 'npm', 'install', '--no-audit', '--no-fund', '--prefer-offline', ...what);

function expectThreePassing(output: string): void {
  expect(output).toMatch(/# pass 3/);
  expect(output).toMatch(/# fail 0/);
}

/** A tiny npm package packed into a tarball: the dependency an author adds to their plugin. */
async function packedDependency(dir: string): Promise<string> {
  const src = path.join(dir, 'byte-count');
  mkdirSync(src, { recursive: true });
  writeFileSync(
    path.join(src, 'package.json'),
    JSON.stringify({ name: 'byte-count', version: '1.0.0', type: 'module', main: 'index.js' }),
  );
  writeFileSync(path.join(src, 'index.js'), 'export const byteCount = (bytes) => bytes.byteLength;\n');
  await ok(src, 'npm', 'pack', '--pack-destination', dir);
  return path.join(dir, 'byte-count-1.0.0.tgz');
}

describe('bastion new-plugin, outside the repository', () => {
  it('JavaScript and TypeScript plugins install their own dependencies, pass their tests and load in a server', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bastion-author-'));
    chmodSync(root, 0o755); // workers may run as another user; they read the folder like any plugin's
    const plugins = path.join(root, 'plugins');
    mkdirSync(plugins);
    try {
      expect((await runCli(['new-plugin', 'js-tool', '--dir', plugins])).code).toBe(0);
      expect((await runCli(['new-plugin', 'ts-tool', '--dir', plugins, '--typescript'])).code).toBe(0);
      const js = path.join(plugins, 'js-tool');
      const ts = path.join(plugins, 'ts-tool');
      for (const f of ['package.json', 'index.js', 'README.md', 'test/plugin.test.js']) {
        expect(existsSync(path.join(js, f)), f).toBe(true);
      }
      for (const f of ['package.json', 'tsconfig.json', 'src/index.ts', 'test/plugin.test.ts', 'README.md']) {
        expect(existsSync(path.join(ts, f)), f).toBe(true);
      }

      // JavaScript: install, add a dependency the plugin imports, run its tests.
      await npmInstall(js);
      await npmInstall(js, await packedDependency(path.join(root, 'deps')));
      const pkgPath = path.join(js, 'package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
      expect(pkg.dependencies['byte-count']).toMatch(/byte-count-1\.0\.0\.tgz$/);
      expect(pkg.dependencies['@bastion/sdk']).toMatch(/^file:/); // kept by npm when adding a dependency
      pkg.bastion.requires.packages.push('byte-count');
      writeFileSync(pkgPath, JSON.stringify(pkg, null, 2));
      const entry = path.join(js, 'index.js');
      const source = readFileSync(entry, 'utf8');
      expect(source).toContain('return { bytes: image.byteLength };');
      writeFileSync(
        entry,
        `import { byteCount } from 'byte-count';\n${source.replace('bytes: image.byteLength', 'bytes: byteCount(image)')}`,
      );
      expectThreePassing(await ok(js, 'npm', 'test'));
      await ok(js, 'npm', 'run', 'check');
      // `bastion` in the folder is this host's CLI, never the registry's unrelated package of that name.
      expect(await ok(js, 'npx', '--no-install', 'bastion', 'new-plugin', '--help')).toMatch(
        /^usage: bastion new-plugin/,
      );

      // TypeScript: install (builds), test; the handler's types come from its schemas.
      await npmInstall(ts);
      expectThreePassing(await ok(ts, 'npm', 'test'));
      const tsEntry = path.join(ts, 'src', 'index.ts');
      const tsSource = readFileSync(tsEntry, 'utf8');
      writeFileSync(
        tsEntry,
        `${tsSource}\nexport const wrong: string = (null as unknown as Parameters<typeof imageSize.handler>[0]).image;\n`,
      );
      const typeError = await sh(ts, 'npx', ['--no-install', 'tsc', '-p', '.', '--noEmit']);
      expect(typeError.code).not.toBe(0);
      expect(typeError.output).toMatch(/TS2322: Type 'Uint8Array.*' is not assignable to type 'string'/);
      writeFileSync(tsEntry, tsSource);

      // Both load in a real server started with the parent folder, and answer calls.
      const server = startCli(serveArgs(plugins, path.join(root, 'data')));
      try {
        const url = await server.url;
        for (const name of ['js-tool', 'ts-tool']) {
          let health: { state: string; reason: string | null } = { state: 'LOADED', reason: null };
          while (health.state === 'LOADED') {
            await new Promise((r) => setTimeout(r, 100));
            health = (await (await fetch(`${url}/v1/plugins/${name}/health`)).json()) as typeof health;
          }
          expect(health.state, `${name}: ${health.reason}`).toBe('INITIALIZED');
          const res = await fetch(`${url}/v1/plugins/${name}/tools/image_size/run`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ args: { image: Buffer.from('hello').toString('base64') } }),
          });
          expect(res.status, name).toBe(200);
          expect(((await res.json()) as { result: unknown }).result, name).toEqual({ bytes: 5 });
        }
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('bastion new-plugin', () => {
  it("inside the repository's plugins folder, resolves the workspace packages without an install", async () => {
    // A hidden folder inside plugins/: the same module resolution as plugins/<name>, but servers that other tests
    // start with the bundled plugins do not discover it meanwhile.
    const dir = path.join(BUNDLED_PLUGINS_DIR, `.scaffold-check-${process.pid}`);
    mkdirSync(dir);
    try {
      expect((await runCli(['new-plugin', 'scaffold-check', '--dir', dir])).code).toBe(0);
      const folder = path.join(dir, 'scaffold-check');
      const pkg = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
      expect(pkg.dependencies['@bastion/sdk']).not.toMatch(/^file:/);
      expectThreePassing(await ok(folder, 'npm', 'test'));
      expect(existsSync(path.join(folder, 'node_modules'))).toBe(false);
      const host = await openPluginHost(folder);
      try {
        expect((await host.health()).state).toBe('INITIALIZED');
        expect(await host.call('image_size', { image: new Uint8Array(5) })).toMatchObject({ result: { bytes: 5 } });
        expect(await host.call('image_size', { image: new Uint8Array(0) })).toMatchObject({
          ok: false,
          status: 400,
          error: { code: 'INVALID_INPUT' },
        });
      } finally {
        await host.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad name, two templates at once and an existing folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-new-'));
    try {
      expect((await runCli(['new-plugin', 'Bad Name'])).code).toBe(1);
      expect((await runCli(['new-plugin', 'x', '--dir', dir, '--unknown'])).code).toBe(1);
      expect((await runCli(['new-plugin', 'x', '--dir', dir])).code).toBe(0);
      const again = await runCli(['new-plugin', 'x', '--dir', dir]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bastion new-plugin --python', () => {
  it('scaffolds a native Python plugin whose own unittest passes, that check-plugin passes and the server loads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-new-py-'));
    chmodSync(dir, 0o755);
    try {
      const created = await runCli(['new-plugin', 'py-tool', '--dir', dir, '--python']);
      expect(created.code, created.stderr).toBe(0);
      const folder = path.join(dir, 'py-tool');
      for (const f of ['pyproject.toml', 'py_tool/plugin.py', 'tests/test_plugin.py', 'README.md']) {
        expect(existsSync(path.join(folder, f)), f).toBe(true);
      }
      const tested = spawnSync('/usr/bin/python3', ['-m', 'unittest'], { cwd: folder, encoding: 'utf8' });
      expect(tested.status, tested.stderr).toBe(0);
      expect(tested.stderr).toMatch(/Ran 3 tests[\s\S]*\nOK/);
      const checked = await runCli(['check-plugin', folder]);
      expect(checked.code, checked.stderr + checked.stdout).toBe(0);
      expect(checked.stdout).toMatch(/image_size/);
      const host = await openPluginHost(folder);
      try {
        expect((await host.health()).state).toBe('INITIALIZED');
        expect(await host.call('image_size', { image: new Uint8Array(5) })).toMatchObject({ result: { bytes: 5 } });
        expect(await host.call('image_size', { image: new Uint8Array(0) })).toMatchObject({
          ok: false,
          status: 400,
          error: { code: 'INVALID_INPUT' },
        });
      } finally {
        await host.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
