import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeFeature } from '../../src/api/realtime/feature.js';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { TestWs, type WsMessage } from '../helpers/ws.js';
import { http, isFinished, submitJob, waitJob } from '../jobs/helpers.js';

const hubOf = (t: TestServer) => (t.server.features.find((f) => f.name === 'realtime') as RealtimeFeature).hub;
const socketOf = (c: TestWs) => (c.ws as unknown as { _socket: Socket })._socket;

describe('realtime WebSocket /v1/realtime', () => {
  let t: TestServer;
  let ws: string;
  const clients: TestWs[] = [];
  const open = async (path = '/v1/realtime', headers: Record<string, string> = {}) => {
    const c = await TestWs.open(`${t.url}${path}`, headers);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'crash-midjob'])],
      listen: true,
      config: { file: { shutdownGraceMs: 500 } },
    });
    ws = `${t.url}/v1/realtime`;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(() => t.close());

  it('answers ping with pong and acknowledges subscriptions', async () => {
    const c = await open();
    const pong = await c.request({ type: 'ping', payload: { n: 1 } }, 'pong');
    expect(pong.payload).toEqual({ n: 1 });
    expect(pong.timestamp).toMatch(/Z$/);
    const ack = await c.request({ type: 'subscribe', payload: { topics: ['plugins', 'jobs'] } }, 'subscribed');
    expect(ack.payload.topics).toEqual(['plugins', 'jobs']);
    const un = await c.request({ type: 'unsubscribe', payload: { topics: ['jobs'] } }, 'subscribed');
    expect(un.payload.topics).toEqual(['plugins']);
  });

  it('streams job_status, job_progress and partial_result for one job', async () => {
    const c = await open();
    const sub = await submitJob(t.url, 'ok', 'slow', { ms: 1000 });
    await c.request({ type: 'subscribe', payload: { topics: [`job:${sub.body.job_id}`] } }, 'subscribed');
    const done = await c.waitFor((m) => m.type === 'job_status' && m.payload.status === 'succeeded');
    expect(done.payload).toEqual({ job_id: sub.body.job_id, status: 'succeeded', error: null });
    const progress = c.messages.filter((m) => m.type === 'job_progress');
    const partials = c.messages.filter((m) => m.type === 'partial_result');
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress)
      expect(p.payload).toEqual({
        job_id: sub.body.job_id,
        progress: expect.any(Number),
        stage: expect.stringMatching(/^step/),
      });
    expect(progress.at(-1)?.payload.progress).toBe(100);
    expect(partials.map((p) => p.payload.index)).toEqual(partials.map((_, i) => i));
    expect(partials.at(-1)?.payload).toEqual({ job_id: sub.body.job_id, index: 9, result: { step: 10 } });
  });

  it('sends the current status of a job that finished before the subscription', async () => {
    const sub = await submitJob(t.url, 'ok', 'echo', { text: 'early' });
    await waitJob(t.url, sub.body.job_id, isFinished);
    const c = await open();
    c.send({ type: 'subscribe', payload: { topics: [`job:${sub.body.job_id}`] } });
    const status = await c.waitFor((m) => m.type === 'job_status');
    expect(status.payload).toEqual({ job_id: sub.body.job_id, status: 'succeeded', error: null });
  });

  it('reports a plugin that crashes during a job: plugin_status FAILED and the job failed', async () => {
    const c = await open();
    await c.request({ type: 'subscribe', payload: { topics: ['plugins', 'jobs'] } }, 'subscribed');
    const sub = await submitJob(t.url, 'crash-midjob', 'run', { ms: 300 });
    expect(sub.status).toBe(202);
    const id = sub.body.job_id;
    const failed = await c.waitFor(
      (m) => m.type === 'job_status' && m.payload.job_id === id && m.payload.status === 'failed',
    );
    expect(failed.payload.error).toEqual({ code: 'PLUGIN_CRASHED', message: expect.stringContaining('exit') });
    const pluginFailed = await c.waitFor(
      (m) => m.type === 'plugin_status' && m.payload.name === 'crash-midjob' && m.payload.state === 'FAILED',
    );
    expect(pluginFailed.payload).toMatchObject({ reason_code: 'PLUGIN_CRASHED', reason: expect.any(String) });
    const mine = (m: WsMessage) => m.payload.job_id === id || m.payload.name === 'crash-midjob';
    const seq = c.messages
      .filter(mine)
      .map((m) => `${m.type}:${String(m.payload.status ?? m.payload.state ?? m.payload.progress ?? m.payload.index)}`);
    expect(seq).toEqual(
      expect.arrayContaining([
        'job_status:queued',
        'job_status:running',
        'plugin_status:RUNNING',
        'job_progress:25',
        'partial_result:0',
        'plugin_status:FAILED',
        'job_status:failed',
      ]),
    );
    expect(seq.indexOf('job_status:running')).toBeLessThan(seq.indexOf('job_status:failed'));
    // The next job on the failed plugin is refused with a coded error; the host keeps serving.
    const next = await submitJob(t.url, 'crash-midjob', 'run', {});
    expect([next.status, next.body.error?.code]).toEqual([503, 'PLUGIN_FAILED']);
    await expectStillServing(t.server);
    const again = await c.request({ type: 'ping' }, 'pong');
    expect(again.type).toBe('pong');
  });

  it('answers malformed messages with coded errors and keeps the connection', async () => {
    const c = await open();
    const cases: Array<[unknown, string, RegExp]> = [
      ['{not json', 'BAD_REQUEST', /JSON/],
      ['42', 'BAD_REQUEST', /type/],
      ['null', 'BAD_REQUEST', /type/],
      [{ payload: {} }, 'BAD_REQUEST', /type/],
      [{ type: 7 }, 'BAD_REQUEST', /type/],
      [{ type: 'launch' }, 'BAD_REQUEST', /unknown message type/],
      [{ type: 'subscribe' }, 'BAD_REQUEST', /topics/],
      [{ type: 'subscribe', payload: { topics: 'jobs' } }, 'BAD_REQUEST', /topics/],
      [{ type: 'subscribe', payload: { topics: [1] } }, 'BAD_REQUEST', /topics/],
      [{ type: 'subscribe', payload: { topics: ['weather'] } }, 'BAD_REQUEST', /unknown topic/],
      [{ type: 'subscribe', payload: { topics: ['job:does-not-exist'] } }, 'JOB_NOT_FOUND', /no job/],
      [{ type: 'subscribe', payload: { topics: ['job:../../x'] } }, 'BAD_REQUEST', /unknown topic/],
      [{ type: 'ping', payload: 'x'.repeat(200_000) }, 'PAYLOAD_TOO_LARGE', /limit/],
      [Buffer.from([1, 2, 3]), 'BAD_REQUEST', /binary/],
      ['{"type":"subscribe","payload":{"__proto__":{"topics":["jobs"]}}}', 'BAD_REQUEST', /topics/],
    ];
    for (const [msg, code, text] of cases) {
      const err = await c.request(msg, 'error');
      expect([String(msg).slice(0, 40), err.payload.code]).toEqual([String(msg).slice(0, 40), code]);
      expect(err.payload.message).toMatch(text);
    }
    expect(c.closed).toBeNull();
    expect((await c.request({ type: 'ping' }, 'pong')).type).toBe('pong');
    await expectStillServing(t.server);
  });

  it('a plain HTTP GET gets a coded error', async () => {
    const res = await http(ws);
    expect([res.status, res.body.error?.code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('fans out to many subscribers', async () => {
    const cs = await Promise.all(Array.from({ length: 20 }, () => open()));
    await Promise.all(cs.map((c) => c.request({ type: 'subscribe', payload: { topics: ['jobs'] } }, 'subscribed')));
    const sub = await submitJob(t.url, 'ok', 'echo', { text: 'fan' });
    await Promise.all(
      cs.map((c) =>
        c.waitFor(
          (m) => m.type === 'job_status' && m.payload.job_id === sub.body.job_id && m.payload.status === 'succeeded',
        ),
      ),
    );
    for (const c of cs) c.close();
  });

  it('sheds progress messages before status messages for a slow client', async () => {
    const c = await open();
    await c.request({ type: 'subscribe', payload: { topics: ['jobs'] } }, 'subscribed');
    const hub = hubOf(t);
    socketOf(c).pause();
    const stage = 'p'.repeat(1000);
    let peak = 0;
    // Events arrive over many event-loop turns in real life (one per IPC message): publish in small batches.
    for (let i = 0; i < 20_000; i++) {
      hub.publishRaw('jobs', 'job_progress', { job_id: 'bulk', progress: i % 100, stage });
      if (i % 400 === 0)
        hub.publishRaw('jobs', 'job_status', { job_id: `status-${i / 400}`, status: 'running', error: null });
      peak = Math.max(peak, hub.stats().maxQueuedBytes);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    // Each connection's queue stayed bounded (2 MB of queued messages at most).
    expect(peak).toBeLessThanOrEqual(2 * 1024 * 1024 + 2048);
    expect(hub.stats().dropped).toBeGreaterThan(0);
    socketOf(c).resume();
    await c.waitFor((m) => m.type === 'job_status' && m.payload.job_id === 'status-49', 30_000);
    const statuses = c.messages.filter((m) => m.type === 'job_status').map((m) => m.payload.job_id);
    expect(statuses).toEqual(Array.from({ length: 50 }, (_, i) => `status-${i}`));
    const progress = c.messages.filter((m) => m.type === 'job_progress').length;
    expect(progress).toBeLessThan(20_000);
    expect(c.closed).toBeNull();
    c.close();
  });

  it('closes a hopelessly slow client with code 4008 and keeps serving the others', async () => {
    const slow = await open();
    const fine = await open();
    for (const c of [slow, fine]) await c.request({ type: 'subscribe', payload: { topics: ['jobs'] } }, 'subscribed');
    const hub = hubOf(t);
    socketOf(slow).pause();
    const big = 'e'.repeat(1000);
    for (let i = 0; i < 20_000; i++) {
      hub.publishRaw('jobs', 'job_status', {
        job_id: `s-${i}`,
        status: 'failed',
        error: { code: 'TOOL_ERROR', message: big },
      });
      if (hub.stats().maxQueuedBytes > 2 * 1024 * 1024 + 2048) throw new Error('queue grew past its bound');
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    socketOf(slow).resume();
    const closed = await slow.waitClosed(30_000);
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/slow consumer/);
    // The well-behaved client still gets messages and answers.
    expect((await fine.request({ type: 'ping' }, 'pong', 30_000)).type).toBe('pong');
    await expectStillServing(t.server);
  });
});

describe('realtime WebSocket auth', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      listen: true,
      config: { userKey: 'user-key-123', adminKey: 'admin-key-123' },
    });
  });
  afterAll(() => t.close());

  it('refuses a connection without a key with 401 in the error shape, accepts headers and ?key=', async () => {
    const refused = await TestWs.refused(`${t.url}/v1/realtime`);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const wrong = await TestWs.refused(`${t.url}/v1/stream?plugin=ok&tool=echo&key=wrong-key-1`);
    expect(wrong.status).toBe(401);
    const byHeader = await TestWs.open(`${t.url}/v1/realtime`, { 'x-api-key': 'user-key-123' });
    expect((await byHeader.request({ type: 'ping' }, 'pong')).type).toBe('pong');
    byHeader.close();
    const byQuery = await TestWs.open(`${t.url}/v1/realtime?key=user-key-123`);
    expect((await byQuery.request({ type: 'ping' }, 'pong')).type).toBe('pong');
    byQuery.close();
    const bearer = await TestWs.open(`${t.url}/v1/stream?plugin=ok&tool=echo`, {
      authorization: 'Bearer admin-key-123',
    });
    expect(
      (await bearer.request({ type: 'frame', payload: { frame_id: 1, args: { text: 'k' } } }, 'result')).payload.result,
    ).toEqual({ text: 'k' });
    bearer.close();
  });
});

describe('realtime heartbeat', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok'])],
      listen: true,
      config: { file: { wsHeartbeatMs: 200 } },
    });
  });
  afterAll(() => t.close());

  it('pings clients and drops one that stops answering', async () => {
    const alive = await TestWs.open(`${t.url}/v1/realtime`);
    let pings = 0;
    alive.ws.on('ping', () => pings++);
    const dead = await TestWs.open(`${t.url}/v1/realtime`);
    // A client whose socket stops reading never answers pings.
    socketOf(dead).pause();
    const hub = hubOf(t);
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const check = (): void => {
        if (hub.connectionCount === 1 && pings >= 2) resolve();
        else if (Date.now() > deadline) reject(new Error(`connections ${hub.connectionCount}, pings ${pings}`));
        else setTimeout(check, 50);
      };
      check();
    });
    expect(alive.closed).toBeNull();
    alive.close();
    dead.close();
  });

  it('keeps /v1/stream connections alive with pings too, and drops silent ones', async () => {
    const alive = await TestWs.open(`${t.url}/v1/stream?plugin=ok&tool=echo`);
    let pings = 0;
    alive.ws.on('ping', () => pings++);
    const dead = await TestWs.open(`${t.url}/v1/stream?plugin=ok&tool=echo`);
    socketOf(dead).pause();
    const serverSockets = () => t.server.app.websocketServer.clients.size;
    const deadline = Date.now() + 20_000;
    while (!(serverSockets() === 1 && pings >= 2)) {
      if (Date.now() > deadline) throw new Error(`sockets ${serverSockets()}, pings ${pings}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await alive.request({ type: 'frame', payload: { frame_id: 1, args: { text: 'still' } } }, 'result');
    expect(res.payload.result).toEqual({ text: 'still' });
    alive.close();
    dead.close();
  });
});
