import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * How often the host parses and serialises a result on its way out, surface by surface: the worker's JSON text is
 * parsed once (the runner checks it is JSON) and is otherwise sent or stored as it is. The plugin (written here)
 * builds results around markers the test chose, so a spy on JSON.parse and JSON.stringify can tell the host's
 * passes over a result from every other use of JSON (the client's reading is done after the spy is off).
 */
const RESULT = 'result-mark-7f3c';
const PARTIAL = 'partial-mark-91ab';
const KB = 64;

const PLUGIN = `
const big = (mark, kb) => ({ mark, rows: Array.from({ length: kb }, (_, i) => ({ i, text: mark + 'x'.repeat(1000) })) });
export default {
  tools: {
    make: {
      description: 'A result of about kb kilobytes',
      inputSchema: { type: 'object', properties: { kb: { type: 'integer' } }, required: ['kb'] },
      handler: async ({ kb }) => big(${JSON.stringify(RESULT)}, kb),
    },
    parts: {
      description: 'One partial result, then the result',
      inputSchema: { type: 'object', properties: { kb: { type: 'integer' } }, required: ['kb'] },
      handler: async ({ kb }, ctx) => {
        ctx.partial(big(${JSON.stringify(PARTIAL)}, kb));
        return big(${JSON.stringify(RESULT)}, kb);
      },
    },
  },
};
`;

interface Passes {
  parse: number;
  /** Serialisations of a value (not a string) to JSON text. */
  stringify: number;
  /** Strings, the result's text among them, escaped into a JSON string literal: a copy, not a serialisation. */
  escape?: number;
}

/**
 * Counts, while `fn` runs, JSON.parse calls on text holding `mark`, JSON.stringify calls producing text that holds
 * it, and of those the ones that only escaped a string (`escape`, left out when none).
 */
async function passesOver(mark: string, fn: () => Promise<void>): Promise<Passes> {
  const { parse, stringify } = JSON;
  const counts: Passes = { parse: 0, stringify: 0 };
  let escapes = 0;
  JSON.parse = function (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) {
    if (typeof text === 'string' && text.includes(mark)) counts.parse++;
    return parse(text, reviver) as unknown;
  } as typeof JSON.parse;
  JSON.stringify = function (...args: Parameters<typeof JSON.stringify>) {
    const out = stringify(...args);
    if (typeof out === 'string' && out.includes(mark)) {
      if (typeof args[0] === 'string') escapes++;
      else counts.stringify++;
    }
    return out;
  } as typeof JSON.stringify;
  try {
    await fn();
  } finally {
    JSON.parse = parse;
    JSON.stringify = stringify;
  }
  return escapes ? { ...counts, escape: escapes } : counts;
}

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A raw WebSocket that keeps each message's text unparsed (the test client's parse must not count). */
async function rawSocket(url: string): Promise<{ ws: WebSocket; texts: string[] }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'));
  const texts: string[] = [];
  ws.on('message', (data: Buffer) => texts.push(data.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, texts };
}

describe('a result crosses the host as text', () => {
  let t: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bastion-passes-'));
    const folder = path.join(dir, 'passes');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'index.js'), PLUGIN);
    writeFileSync(
      path.join(folder, 'package.json'),
      JSON.stringify({
        name: 'fixture-passes',
        version: '1.0.0',
        type: 'module',
        main: 'index.js',
        bastion: { id: 'passes', apiVersion: 1, description: 'fixture: passes', limits: { timeoutMs: 10_000 } },
      }),
    );
    t = await startTestServer({ pluginsDirs: [dir, fixtureSubset(['ok'])], listen: true });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('REST: parsed once to check it, spliced into the reply', async () => {
    let body = '';
    const passes = await passesOver(RESULT, async () => {
      const res = await t.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/passes/tools/make/run',
        payload: { args: { kb: KB } },
      });
      body = res.body;
    });
    expect(passes).toEqual({ parse: 1, stringify: 0 });
    const reply = JSON.parse(body) as { ok: boolean; result: { mark: string; rows: unknown[] } };
    expect(reply.ok).toBe(true);
    expect(reply.result.mark).toBe(RESULT);
    expect(reply.result.rows).toHaveLength(KB);
  });

  it('MCP: the worker text is the structuredContent and, escaped once, the text content', async () => {
    const headers = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
    const rpc = (sessionId: string | null, message: unknown) =>
      fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: sessionId ? { ...headers, 'mcp-session-id': sessionId } : headers,
        body: JSON.stringify(message),
      });
    const init = await rpc(null, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'passes', version: '1' } },
    });
    const session = init.headers.get('mcp-session-id');
    expect(session).toBeTruthy();
    await init.text();
    await (await rpc(session, { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    let text = '';
    const passes = await passesOver(RESULT, async () => {
      const res = await rpc(session, {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'passes__make', arguments: { kb: KB } },
      });
      text = await res.text();
    });
    expect(passes).toEqual({ parse: 1, stringify: 0, escape: 1 });
    const line = text.split('\n').find((l) => l.startsWith('data: ')) ?? text;
    const message = JSON.parse(line.replace(/^data: /, '')) as {
      result: { content: Array<{ type: string; text: string }>; structuredContent: { mark: string } };
    };
    expect(message.result.structuredContent.mark).toBe(RESULT);
    expect(JSON.parse(message.result.content[0]?.text ?? '')).toEqual(message.result.structuredContent);
  });

  it('stream: parsed once, spliced into the result message', async () => {
    const { ws, texts } = await rawSocket(`${t.url}/v1/stream?plugin=passes&tool=make`);
    try {
      const passes = await passesOver(RESULT, async () => {
        ws.send(JSON.stringify({ type: 'frame', payload: { frame_id: 'f', args: { kb: KB } } }));
        await until(async () => texts.some((m) => m.includes(RESULT)), 'the result message');
      });
      expect(passes).toEqual({ parse: 1, stringify: 0 });
      const message = JSON.parse(texts.find((m) => m.includes(RESULT)) ?? '') as {
        type: string;
        payload: { frame_id: string; result: { mark: string }; dropped: number };
      };
      expect(message.type).toBe('result');
      expect(message.payload).toMatchObject({ frame_id: 'f', result: { mark: RESULT }, dropped: 0 });
    } finally {
      ws.close();
    }
  });

  it('jobs: the result is parsed once when it arrives, stored and served as text; partials are spliced too', async () => {
    const { ws, texts } = await rawSocket(`${t.url}/v1/realtime`);
    try {
      ws.send(JSON.stringify({ type: 'subscribe', payload: { topics: ['jobs'] } }));
      await until(async () => texts.some((m) => m.includes('"subscribed"')), 'the subscription');
      let id = '';
      let served = '';
      let partialPasses: Passes = { parse: 0, stringify: 0 };
      const resultPasses = await passesOver(RESULT, async () => {
        partialPasses = await passesOver(PARTIAL, async () => {
          const submitted = await t.server.app.inject({
            method: 'POST',
            url: '/v1/jobs',
            payload: { plugin: 'passes', tool: 'parts', args: { kb: KB } },
          });
          expect(submitted.statusCode).toBe(202);
          id = (submitted.body.match(/"job_id":"([^"]+)"/) ?? [])[1] ?? '';
          await until(
            async () => texts.some((m) => m.includes('"job_status"') && m.includes(id) && m.includes('succeeded')),
            'the job to succeed',
          );
          served = (await t.server.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).body;
          await t.server.app.inject({ method: 'GET', url: '/v1/jobs?limit=5' });
        });
      });
      expect(resultPasses).toEqual({ parse: 1, stringify: 0 });
      expect(partialPasses).toEqual({ parse: 1, stringify: 0 });
      const job = JSON.parse(served) as { job_id: string; status: string; result: { mark: string; rows: unknown[] } };
      expect(job).toMatchObject({ job_id: id, status: 'succeeded', result: { mark: RESULT } });
      expect(job.result.rows).toHaveLength(KB);
      const partial = texts.find((m) => m.includes(PARTIAL)) ?? '';
      expect(JSON.parse(partial)).toMatchObject({
        type: 'partial_result',
        payload: { job_id: id, index: 0, result: { mark: PARTIAL } },
      });
    } finally {
      ws.close();
    }
    await expectStillServing(t.server);
  });
});
