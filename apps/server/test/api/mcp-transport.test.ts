import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Streamable HTTP transport as a raw client sees it (what the SDK's client never sends, and how answers are
 * framed): statuses and JSON-RPC errors as the SDK's own transport gives them, SSE answers, batches, calls the
 * fast path leaves to the SDK's server.
 */
describe('MCP transport', () => {
  let t: TestServer;
  let session = '';
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(new URL('/mcp', t.url), {
      method: 'POST',
      headers: { ...base, 'mcp-session-id': session, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text(), headers: res.headers };
  };
  /** The JSON-RPC messages of an SSE answer, in order. */
  const events = (text: string): Array<Record<string, unknown>> =>
    text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);

  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])], listen: true });
    const init = await post(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      },
      { 'mcp-session-id': '' },
    );
    expect(init.status).toBe(200);
    session = init.headers.get('mcp-session-id') ?? '';
    expect(session).toBeTruthy();
    expect(events(init.text)[0]).toMatchObject({ id: 1, result: { serverInfo: { name: 'bastion' } } });
    expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
  });
  afterAll(() => t.close());

  it('answers a call as one server-sent event with the session id', async () => {
    const res = await post({
      jsonrpc: '2.0',
      id: 'a',
      method: 'tools/call',
      params: { name: 'ok__echo', arguments: { text: 'hi' } },
    });
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/event-stream');
    expect(res.headers.get('mcp-session-id')).toBe(session);
    expect(res.text.startsWith('event: message\ndata: ')).toBe(true);
    expect(events(res.text)).toEqual([
      {
        jsonrpc: '2.0',
        id: 'a',
        result: { content: [{ type: 'text', text: '{"text":"hi"}' }], structuredContent: { text: 'hi' } },
      },
    ]);
  });

  it('answers every request of a batch on one stream, and progress before its answer', async () => {
    const res = await post([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ok__echo', arguments: { text: 'one' } } },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'ok__slow', arguments: { ms: 300 }, _meta: { progressToken: 'p' } },
      },
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
    ]);
    expect(res.status).toBe(200);
    const got = events(res.text);
    const answers = got.filter((m) => 'id' in m);
    expect(answers.map((m) => m.id).sort()).toEqual([1, 2, 3]);
    const progress = got.filter((m) => m.method === 'notifications/progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ params: { progressToken: 'p', total: 100 } });
    expect(got.findIndex((m) => m.method === 'notifications/progress')).toBeLessThan(got.findIndex((m) => m.id === 2));
  });

  it('leaves calls it does not take plainly to the SDK, whose server refuses bad params with a JSON-RPC error', async () => {
    const res = await post({
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'ok__echo', arguments: [1] },
    });
    expect(res.status).toBe(200);
    const [refusal] = events(res.text);
    expect(refusal).toMatchObject({ id: 9, error: { code: expect.any(Number) as number } });
    expect(refusal).not.toHaveProperty('result');
    const unknown = await post({ jsonrpc: '2.0', id: 10, method: 'no/such/method' });
    expect(events(unknown.text)[0]).toMatchObject({ id: 10, error: { code: -32601 } });
  });

  it('refuses call-like messages that are not JSON-RPC requests, as the schema does', async () => {
    const call = { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'ok__echo', arguments: {} } };
    const odd = [
      { ...call, extra: true },
      { ...call, id: 1.5 },
      { ...call, id: null },
      { ...call, jsonrpc: '1.0' },
      { ...call, params: { ...call.params, _meta: { progressToken: 0.5 } } },
      { ...call, params: 'x' },
    ];
    for (const message of odd) {
      const res = await post(message);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: -32700 } });
    }
  });

  it('refuses what the SDK transport refuses, with its statuses and codes', async () => {
    const call = { jsonrpc: '2.0', id: 5, method: 'tools/list' };
    const wrongAccept = await post(call, { accept: 'application/json' });
    expect(wrongAccept.status).toBe(406);
    expect(JSON.parse(wrongAccept.text)).toMatchObject({ error: { code: -32000 } });
    const badVersion = await post(call, { 'mcp-protocol-version': '1999-01-01' });
    expect(badVersion.status).toBe(400);
    expect(JSON.parse(badVersion.text)).toMatchObject({ error: { code: -32000 } });
    const again = await post({
      jsonrpc: '2.0',
      id: 6,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    expect(again.status).toBe(400);
    expect(JSON.parse(again.text)).toMatchObject({ error: { code: -32600 } });
    const tooMany = await post(Array.from({ length: 101 }, (_, i) => ({ ...call, id: i })));
    expect(tooMany.status).toBe(400);
    expect(JSON.parse(tooMany.text)).toMatchObject({ error: { code: -32600 } });

    // One notification stream per session.
    const controller = new AbortController();
    const first = await fetch(new URL('/mcp', t.url), {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session },
      signal: controller.signal,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/event-stream');
    const second = await fetch(new URL('/mcp', t.url), {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session },
    });
    expect(second.status).toBe(409);
    await second.body?.cancel();
    controller.abort();
    await expectStillServing(t.server);
  });
});
