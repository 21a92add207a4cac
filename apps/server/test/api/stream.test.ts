import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { TestWs } from '../helpers/ws.js';

describe('live frames over /v1/stream', () => {
  let t: TestServer;
  const clients: TestWs[] = [];
  const open = async (query: string) => {
    const c = await TestWs.open(`${t.url}/v1/stream?${query}`);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'throws', 'exits'])],
      listen: true,
      config: { file: { maxFrameMb: 1, shutdownGraceMs: 500 } },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(() => t.close());

  it('runs JSON frames and echoes frame ids', async () => {
    const c = await open('plugin=ok&tool=echo');
    const res = await c.request({ type: 'frame', payload: { frame_id: 'a1', args: { text: 'hi' } } }, 'result');
    expect(res.payload).toEqual({
      frame_id: 'a1',
      result: { text: 'hi' },
      execution_time_ms: expect.any(Number),
      dropped: 0,
    });
    expect(res.timestamp).toMatch(/Z$/);
  });

  it('accepts base64 images (JSON) and binary messages, with default args from the query', async () => {
    const c = await open(`plugin=ok&tool=bytes&args=${encodeURIComponent(JSON.stringify({ label: 'cam' }))}`);
    const b64 = await c.request(
      { type: 'frame', payload: { frame_id: 7, image_base64: Buffer.from([1, 2, 3]).toString('base64') } },
      'result',
    );
    expect(b64.payload).toMatchObject({
      frame_id: 7,
      result: { bytes: 3, first: 1, label: 'cam', isUint8Array: true },
    });
    const bin = await c.request(Buffer.from([42, 0, 0, 0]), 'result');
    expect(bin.payload).toMatchObject({ frame_id: 1, result: { bytes: 4, first: 42, label: 'cam' } });
    const dataUrl = await c.request(
      {
        type: 'frame',
        payload: {
          frame_id: 'd',
          image_base64: `data:image/png;base64,${Buffer.from([9]).toString('base64')}`,
          args: { label: 'x' },
        },
      },
      'result',
    );
    expect(dataUrl.payload).toMatchObject({ frame_id: 'd', result: { bytes: 1, first: 9, label: 'x' } });
  });

  it('keeps one frame in flight and lets the latest waiting frame win', async () => {
    const c = await open(`plugin=ok&tool=slow&args=${encodeURIComponent(JSON.stringify({ ms: 1500 }))}`);
    for (let i = 1; i <= 10; i++) c.send({ type: 'frame', payload: { frame_id: i } });
    await c.waitFor((m) => m.type === 'result' && m.payload.frame_id === 10, 30_000);
    const results = c.messages.filter((m) => m.type === 'result');
    // Frame 1 ran at once; 2–9 were each replaced by the next; 10 ran last.
    expect(results.map((m) => m.payload.frame_id)).toEqual([1, 10]);
    expect(results.at(-1)?.payload.dropped).toBe(8);
    expect(c.messages.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('answers bad frames with coded errors and never closes the connection', async () => {
    const c = await open('plugin=ok&tool=bytes');
    const cases: Array<[unknown, string, unknown]> = [
      ['{oops', 'BAD_REQUEST', null],
      ['[]', 'BAD_REQUEST', null],
      [{ type: 'film' }, 'BAD_REQUEST', null],
      [{ type: 'frame' }, 'BAD_REQUEST', null],
      [{ type: 'frame', payload: { frame_id: { x: 1 } } }, 'BAD_REQUEST', null],
      [{ type: 'frame', payload: { frame_id: 'n', image_base64: 5 } }, 'BAD_REQUEST', 'n'],
      [{ type: 'frame', payload: { frame_id: 'p', args: [] } }, 'BAD_REQUEST', 'p'],
      ['{"type":"frame","payload":{"frame_id":"q","args":{"__proto__":{"a":1}}}}', 'BAD_REQUEST', 'q'],
      [{ type: 'frame', payload: { frame_id: 'b', image_base64: '%%%not base64' } }, 'INVALID_INPUT', 'b'],
      [{ type: 'frame', payload: { frame_id: 'm' } }, 'INVALID_INPUT', 'm'],
      [{ type: 'frame', payload: { frame_id: 'l', image_base64: 'AAAA', args: { label: 5 } } }, 'INVALID_INPUT', 'l'],
      [Buffer.alloc(1024 * 1024 + 1), 'PAYLOAD_TOO_LARGE', null],
      [
        JSON.stringify({ type: 'frame', payload: { frame_id: 'big', image_base64: 'A'.repeat(1_600_000) } }),
        'PAYLOAD_TOO_LARGE',
        null,
      ],
    ];
    for (const [msg, code, frameId] of cases) {
      const err = await c.request(msg, 'error');
      const label = Buffer.isBuffer(msg)
        ? `binary ${msg.length}`
        : String(typeof msg === 'string' ? msg : JSON.stringify(msg)).slice(0, 60);
      expect([label, err.payload.code, err.payload.frame_id]).toEqual([label, code, frameId]);
      expect(typeof err.payload.message).toBe('string');
    }
    expect(c.closed).toBeNull();
    const ok = await c.request({ type: 'frame', payload: { frame_id: 'good', image_base64: 'AQID' } }, 'result');
    expect(ok.payload).toMatchObject({ frame_id: 'good', result: { bytes: 3 } });
    expect((await c.request({ type: 'ping' }, 'pong')).type).toBe('pong');
  });

  it('reports tool errors and crashes per frame', async () => {
    const c = await open('plugin=throws&tool=run');
    const err = await c.request({ type: 'frame', payload: { frame_id: 1 } }, 'error');
    expect(err.payload).toMatchObject({ frame_id: 1, code: 'TOOL_ERROR', message: expect.stringContaining('boom') });
    const again = await c.request({ type: 'frame', payload: { frame_id: 2 } }, 'error');
    expect(again.payload.frame_id).toBe(2);

    const crash = await open('plugin=exits&tool=run');
    const dead = await crash.request({ type: 'frame', payload: { frame_id: 'x' } }, 'error');
    expect(dead.payload).toMatchObject({ frame_id: 'x', code: 'PLUGIN_CRASHED' });
    const failed = await crash.request({ type: 'frame', payload: { frame_id: 'y' } }, 'error');
    expect(failed.payload).toMatchObject({ frame_id: 'y', code: 'PLUGIN_FAILED' });
    expect(crash.closed).toBeNull();
    await expectStillServing(t.server);
  });

  it('refuses unusable streams with an error message and close code 4004', async () => {
    for (const [query, code] of [
      ['plugin=nope&tool=x', 'PLUGIN_NOT_FOUND'],
      ['plugin=ok&tool=nope', 'TOOL_NOT_FOUND'],
      ['plugin=ok', 'BAD_REQUEST'],
      ['', 'BAD_REQUEST'],
      ['plugin=ok&tool=echo&args=%7Bbad', 'BAD_REQUEST'],
      ['plugin=ok&tool=echo&args=%5B%5D', 'BAD_REQUEST'],
    ] as const) {
      const c = await open(query);
      const err = await c.waitFor((m) => m.type === 'error').catch(() => c.messages[0]);
      expect([query, err?.payload.code]).toEqual([query, code]);
      expect((await c.waitClosed()).code).toBe(4004);
    }
  });

  it('closes (1009) only a message over the hard limit; the host survives', async () => {
    const c = await open('plugin=ok&tool=echo');
    c.send(Buffer.alloc(6 * 1024 * 1024));
    expect((await c.waitClosed()).code).toBe(1009);
    await expectStillServing(t.server);
    const d = await open('plugin=ok&tool=echo');
    expect(
      (await d.request({ type: 'frame', payload: { frame_id: 1, args: { text: 'after' } } }, 'result')).payload.result,
    ).toEqual({ text: 'after' });
  });
});
