import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveArgs, startCli } from '../helpers/cli.js';
import { fixtureSubset } from '../helpers/server.js';
import { TestWs } from '../helpers/ws.js';

async function post(url: string, tool: string, args: Record<string, unknown>) {
  const res = await fetch(`${url}/v1/plugins/ok/tools/${tool}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  return { status: res.status, body: (await res.json()) as { result?: Record<string, unknown> } };
}

describe('bastion serve --watch', () => {
  it('restarts a changed plugin after its call in flight finishes, and /v1/realtime shows the reload', async () => {
    const plugins = fixtureSubset(['ok']);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bastion-watch-'));
    const cli = startCli(serveArgs(plugins, dataDir, '--watch'), { BASTION_LOG_LEVEL: 'info' });
    try {
      const url = await cli.url;
      await expect.poll(() => cli.output().stderr, { timeout: 30_000 }).toMatch(/watching plugin folders/);
      const ws = await TestWs.open(`${url}/v1/realtime`);
      ws.send({ type: 'subscribe', payload: { topics: ['plugins'] } });
      await ws.request({ type: 'ping' }, 'pong'); // answered in order: the subscription is in place
      const from = ws.messages.length;

      // A call in flight, then an edit of the plugin's code. The call outlasts the 2 s grace an explicit restart
      // gives calls in flight (and stays under the fixture's 3 s timeout): only a restart that waits lets it finish.
      const slow = post(url, 'slow', { ms: 2600 });
      await expect
        .poll(async () => ((await (await fetch(`${url}/v1/plugins/ok/health`)).json()) as { state: string }).state, {
          timeout: 30_000,
        })
        .toBe('RUNNING');
      const entry = path.join(plugins, 'ok', 'index.js');
      writeFileSync(
        entry,
        readFileSync(entry, 'utf8').replace(
          'handler: async ({ text }) => ({ text }),',
          'handler: async ({ text }) => ({ text: `${text}, reloaded` }),',
        ),
      );

      // The call finishes normally: the restart waits for it.
      expect(await slow).toEqual({ status: 200, body: expect.objectContaining({ result: { waited: 2600 } }) });
      const loaded = await ws.waitFor(
        (m) => m.type === 'plugin_status' && m.payload.name === 'ok' && m.payload.state === 'LOADED',
        30_000,
        from,
      );
      await ws.waitFor(
        (m) => m.type === 'plugin_status' && m.payload.name === 'ok' && m.payload.state === 'INITIALIZED',
        30_000,
        ws.messages.indexOf(loaded),
      );
      expect((await post(url, 'echo', { text: 'hi' })).body.result).toEqual({ text: 'hi, reloaded' });
      expect(cli.output().stderr).toMatch(/plugin ok: files changed; restarting/);
      ws.ws.close();
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(plugins, { recursive: true, force: true });
    }
  }, 120_000);

  it('without --watch a changed plugin keeps running the code it loaded', async () => {
    const plugins = fixtureSubset(['ok']);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bastion-watch-'));
    const cli = startCli(serveArgs(plugins, dataDir));
    try {
      const url = await cli.url;
      await expect
        .poll(async () => ((await (await fetch(`${url}/v1/plugins/ok/health`)).json()) as { state: string }).state, {
          timeout: 30_000,
        })
        .toBe('INITIALIZED');
      const entry = path.join(plugins, 'ok', 'index.js');
      writeFileSync(entry, readFileSync(entry, 'utf8').replace('({ text }) => ({ text })', '() => ({ text: "new" })'));
      await new Promise((r) => setTimeout(r, 1000));
      expect((await post(url, 'echo', { text: 'old' })).body.result).toEqual({ text: 'old' });
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(plugins, { recursive: true, force: true });
    }
  }, 120_000);
});
