import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PLUGINS_DIR } from '../../src/paths.js';
import { openPluginHost } from '../../src/plugins/single-host.js';
import { runCli } from '../helpers/cli.js';

/** `npm test` in a folder, as its author would run it (without this test runner's environment). */
function npmTest(cwd: string): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && !k.startsWith('npm_')) env[k] = v;
  }
  return new Promise((resolve) => {
    const child = spawn('npm', ['test'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** Scaffolds NAME under DIR, runs its own tests, then loads it in a real host and calls its tool. */
async function scaffoldTestAndLoad(dir: string, name: string): Promise<void> {
  const created = await runCli(['new-plugin', name, '--dir', dir]);
  expect(created.code, created.stderr).toBe(0);
  const folder = path.join(dir, name);
  for (const f of ['package.json', 'index.js', 'README.md', 'test/plugin.test.js']) {
    expect(existsSync(path.join(folder, f)), f).toBe(true);
  }
  const tested = await npmTest(folder);
  expect(tested.code, tested.output).toBe(0);
  expect(tested.output).toMatch(/# pass 3/);
  expect(tested.output).toMatch(/# fail 0/);

  const checked = await runCli(['check-plugin', folder]);
  expect(checked.code, checked.stderr).toBe(0);
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
}

describe('bastion new-plugin', () => {
  it('scaffolds a plugin outside the repository whose own npm test passes and that the server loads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-new-'));
    chmodSync(dir, 0o755); // workers may run as another user; they read the folder like any plugin's
    try {
      await scaffoldTestAndLoad(dir, 'my-tool');
      expect(existsSync(path.join(dir, 'my-tool', 'node_modules', '@bastion', 'testkit'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("does the same inside the repository's plugins folder, resolving the workspace packages", async () => {
    // A hidden folder inside plugins/: the same module resolution as plugins/<name>, but servers that other tests
    // start with the bundled plugins do not discover it meanwhile.
    const dir = path.join(BUNDLED_PLUGINS_DIR, `.scaffold-check-${process.pid}`);
    mkdirSync(dir);
    try {
      await scaffoldTestAndLoad(dir, 'scaffold-check');
      // Inside the repository the workspace's own packages resolve; nothing is linked.
      expect(existsSync(path.join(dir, 'scaffold-check', 'node_modules'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad name and an existing folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-new-'));
    try {
      expect((await runCli(['new-plugin', 'Bad Name'])).code).toBe(1);
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
