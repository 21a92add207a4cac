import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin, ToolCallError, type LoadedPlugin } from '../src/index.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../apps/server/test/fixtures/plugins',
);

describe('loadPlugin', () => {
  let ok: LoadedPlugin;
  beforeAll(async () => {
    ok = await loadPlugin(path.join(FIXTURES, 'ok'));
  });
  afterAll(() => ok.close());

  it('loads the plugin in the sandbox and calls its tools through the API', async () => {
    expect(ok.id).toBe('ok');
    const health = await ok.health();
    expect(health.state).toBe('INITIALIZED');
    expect(health.tools).toContain('echo');
    expect(await ok.call('echo', { text: 'hi' })).toEqual({ text: 'hi' });
    // Bytes are sent as a client sends them and reach the handler as a Uint8Array.
    expect(await ok.call('bytes', { file: new Uint8Array([7, 8, 9]) })).toMatchObject({
      bytes: 3,
      isUint8Array: true,
      first: 7,
    });
    expect((await ok.health()).success_count).toBe(2);
  });

  it('rejects with the error code and status of a failed call', async () => {
    const err = await ok.call('echo', { text: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolCallError);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', status: 400 });
    await expect(ok.call('no_such_tool')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND', status: 404 });
  });

  it('reports a plugin that does not load through its health record', async () => {
    const failing = await loadPlugin(path.join(FIXTURES, 'init-throws'));
    try {
      expect(await failing.health()).toMatchObject({ state: 'FAILED', reason_code: 'INIT_ERROR' });
      await expect(failing.call('anything')).rejects.toMatchObject({ code: 'PLUGIN_FAILED' });
    } finally {
      await failing.close();
    }
  });

  it('hands the options to the plugin after checking them against its schema', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'testkit-opts-')), 'opts');
    mkdirSync(dir);
    const options = { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false };
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'opts', type: 'module', main: 'index.js', bastion: { apiVersion: 1, options } }),
    );
    writeFileSync(
      path.join(dir, 'index.js'),
      "export default { tools: { config: { description: 'c', inputSchema: { type: 'object' }, handler: (_a, ctx) => ctx.config } } };\n",
    );
    const good = await loadPlugin(dir, { options: { n: 3 } });
    try {
      expect(await good.call('config')).toEqual({ n: 3 });
    } finally {
      await good.close();
    }
    const bad = await loadPlugin(dir, { options: { n: 'three' } });
    try {
      expect(await bad.health()).toMatchObject({ state: 'FAILED', reason_code: 'OPTIONS_INVALID' });
    } finally {
      await bad.close();
    }
  });
});

describe('loadPlugin with a sibling of the same id', () => {
  it('loads the folder it is given, never the sibling', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'bastion-twins-'));
    for (const [folder, word] of [
      ['a-first', 'first'],
      ['b-second', 'second'],
    ] as const) {
      mkdirSync(path.join(parent, folder));
      writeFileSync(
        path.join(parent, folder, 'package.json'),
        JSON.stringify({ name: 'twin', type: 'module', main: 'index.js', bastion: { id: 'twin', apiVersion: 1 } }),
      );
      writeFileSync(
        path.join(parent, folder, 'index.js'),
        `export default { tools: { which: { description: 'which folder', inputSchema: { type: 'object' }, handler: () => ({ folder: '${word}' }) } } };`,
      );
    }
    const twin = await loadPlugin(path.join(parent, 'b-second'));
    try {
      expect(twin.id).toBe('twin');
      expect((await twin.health()).state).toBe('INITIALIZED');
      expect(await twin.call('which')).toEqual({ folder: 'second' });
    } finally {
      await twin.close();
    }
  });
});
