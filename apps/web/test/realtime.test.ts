/**
 * The realtime client (`/v1/realtime`): message checking, topic routing, reconnect with backoff, resubscription
 * and the heartbeat. Pure logic over a fake socket, so fake timers drive the backoff.
 */
import type { RealtimeServerMessage } from '@bastion/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type ConnectionState } from '../src/api/realtime';
import { parseServerMessage } from '../src/api/realtime-messages';
import { msg, socketFactory } from './helpers/fake-socket';

const parse = (m: unknown) => parseServerMessage(typeof m === 'string' ? m : JSON.stringify(m));

describe('realtime messages: each server message type is checked against the protocol schema', () => {
  it('plugin_status keeps name, state, reason and reason_code', () => {
    const m = msg('plugin_status', {
      name: 'ocr',
      state: 'FAILED',
      reason: 'worker crashed',
      reason_code: 'PLUGIN_CRASHED',
    });
    expect(parse(m)).toEqual(m);
  });

  it('plugin_status with a state outside the lifecycle, or without a name, is dropped', () => {
    expect(parse(msg('plugin_status', { name: 'ocr', state: 'EXPLODED', reason: null, reason_code: null }))).toBeNull();
    expect(parse(msg('plugin_status', { state: 'FAILED', reason: null, reason_code: null }))).toBeNull();
  });

  it('job_status keeps the status and the error code and message', () => {
    const m = parse(
      msg('job_status', { job_id: 'j1', status: 'failed', error: { code: 'PLUGIN_CRASHED', message: 'x' } }),
    );
    expect(m?.payload).toEqual({ job_id: 'j1', status: 'failed', error: { code: 'PLUGIN_CRASHED', message: 'x' } });
    expect(parse(msg('job_status', { job_id: 'j1', status: 'succeeded', error: null }))?.payload).toMatchObject({
      error: null,
    });
  });

  it('job_status with an unknown status is dropped', () => {
    expect(parse(msg('job_status', { job_id: 'j1', status: 'exploded', error: null }))).toBeNull();
  });

  it('job_progress keeps progress and stage', () => {
    expect(parse(msg('job_progress', { job_id: 'j1', progress: 40, stage: 'decode' }))?.payload).toEqual({
      job_id: 'j1',
      progress: 40,
      stage: 'decode',
    });
  });

  it('job_progress that is not a number from 0 to 100 is dropped', () => {
    expect(parse(msg('job_progress', { job_id: 'j1', progress: '50', stage: null }))).toBeNull();
    expect(parse(msg('job_progress', { job_id: 'j1', progress: 140, stage: null }))).toBeNull();
    expect(parse(msg('job_progress', { job_id: 'j1', progress: -3, stage: null }))).toBeNull();
  });

  it('partial_result needs a job id and a whole index of 0 or more', () => {
    expect(parse(msg('partial_result', { job_id: 'j1', index: 2, result: { n: 1 } }))?.payload).toEqual({
      job_id: 'j1',
      index: 2,
      result: { n: 1 },
    });
    expect(parse(msg('partial_result', { job_id: 'j1', index: -1, result: 1 }))).toBeNull();
    expect(parse(msg('partial_result', { job_id: 'j1', index: 1.5, result: 1 }))).toBeNull();
  });

  it('error needs a registered code and a message', () => {
    expect(parse(msg('error', { code: 'BAD_REQUEST', message: 'unknown topic' }))?.payload).toEqual({
      code: 'BAD_REQUEST',
      message: 'unknown topic',
    });
    expect(parse(msg('error', { code: 'BAD_REQUEST' }))).toBeNull();
    expect(parse(msg('error', { code: 'NOT_A_CODE', message: 'x' }))).toBeNull();
  });

  it('pong is accepted with any payload', () => {
    expect(parse(msg('pong', null))?.type).toBe('pong');
    expect(parse(msg('pong', { at: 1 }))?.type).toBe('pong');
  });

  it('subscribed carries the topics as strings only', () => {
    expect(parse(msg('subscribed', { topics: ['plugins', 'job:1'] }))?.payload).toEqual({
      topics: ['plugins', 'job:1'],
    });
    expect(parse(msg('subscribed', { topics: ['plugins', 3] }))).toBeNull();
  });

  it('malformed input is dropped, never thrown: bad JSON, non-objects, no type, unknown type, no timestamp', () => {
    for (const raw of ['{', 'null', '[]', '42', '"text"', '{"payload":{}}', '{"type":"surprise","payload":{}}']) {
      expect(parseServerMessage(raw), raw).toBeNull();
    }
    expect(parseServerMessage(new ArrayBuffer(4))).toBeNull();
    expect(parse({ type: 'job_status', payload: 'j1', timestamp: '2026-01-01T00:00:00.000Z' })).toBeNull();
    expect(parse({ type: 'pong', payload: null })).toBeNull();
  });
});

describe('realtime client', () => {
  let net: ReturnType<typeof socketFactory>;
  let client: RealtimeClient;
  let url: string;

  beforeEach(() => {
    vi.useFakeTimers();
    net = socketFactory();
    url = 'ws://host/v1/realtime';
    client = new RealtimeClient({
      url: () => url,
      connect: net.connect,
      initialRetryMs: 1000,
      maxRetryMs: 8000,
      pingIntervalMs: 20_000,
    });
  });

  afterEach(() => {
    client.close();
    vi.useRealTimers();
  });

  const collect = (topics: string[]) => {
    const got: RealtimeServerMessage[] = [];
    const off = client.subscribe(topics, (m) => got.push(m));
    return { got, off };
  };

  it('opens no connection until something subscribes', () => {
    expect(client.state).toBe('closed');
    expect(net.sockets).toHaveLength(0);
    collect(['plugins']);
    expect(net.sockets).toHaveLength(1);
    expect(client.state).toBe('connecting');
  });

  it('goes open on connect and subscribes to the wanted topics in one message', () => {
    collect(['plugins']);
    collect(['job:a']);
    expect(net.last().sent).toEqual([]); // nothing can be sent while connecting
    net.last().open();
    expect(client.state).toBe('open');
    expect(net.last().sent).toEqual([{ type: 'subscribe', payload: { topics: ['plugins', 'job:a'] } }]);
  });

  it('counts listeners per topic: subscribe on the first, unsubscribe after the last', () => {
    collect(['plugins']);
    net.last().open();
    const a = collect(['job:1']);
    const b = collect(['job:1']);
    expect(net.last().sent.filter((m) => m.type === 'subscribe')).toHaveLength(2);
    a.off();
    expect(net.last().sent.some((m) => m.type === 'unsubscribe')).toBe(false);
    b.off();
    b.off(); // a second call is harmless
    expect(net.last().sent.at(-1)).toEqual({ type: 'unsubscribe', payload: { topics: ['job:1'] } });
  });

  it('routes plugin_status to "plugins" listeners only', () => {
    const plugins = collect(['plugins']);
    const job = collect(['job:1']);
    net.last().open();
    net.last().receive(msg('plugin_status', { name: 'ocr', state: 'RUNNING', reason: null, reason_code: null }));
    expect(plugins.got.map((m) => m.type)).toEqual(['plugin_status']);
    expect(job.got).toEqual([]);
  });

  it('routes job_status to that job and to "jobs", not to other jobs', () => {
    const one = collect(['job:1']);
    const other = collect(['job:2']);
    const all = collect(['jobs']);
    net.last().open();
    net.last().receive(msg('job_status', { job_id: '1', status: 'running', error: null }));
    expect(one.got).toHaveLength(1);
    expect(all.got).toHaveLength(1);
    expect(other.got).toHaveLength(0);
  });

  it('delivers job_progress with the progress and stage', () => {
    const one = collect(['job:1']);
    net.last().open();
    net.last().receive(msg('job_progress', { job_id: '1', progress: 42, stage: 'tracking' }));
    expect(one.got[0]).toMatchObject({ type: 'job_progress', payload: { progress: 42, stage: 'tracking' } });
  });

  it('delivers partial_result in order', () => {
    const one = collect(['job:1']);
    net.last().open();
    net.last().receive(msg('partial_result', { job_id: '1', index: 0, result: 'a' }));
    net.last().receive(msg('partial_result', { job_id: '1', index: 1, result: 'b' }));
    expect(one.got.map((m) => (m.type === 'partial_result' ? m.payload.result : null))).toEqual(['a', 'b']);
  });

  it('an error message reaches every listener and stays in the snapshot until dismissed', () => {
    const plugins = collect(['plugins']);
    const job = collect(['job:1']);
    net.last().open();
    net.last().receive(msg('error', { code: 'BAD_REQUEST', message: 'unknown topic "x"' }));
    expect(plugins.got).toHaveLength(1);
    expect(job.got).toHaveLength(1);
    expect(client.snapshot.lastError).toEqual({ code: 'BAD_REQUEST', message: 'unknown topic "x"' });
    client.dismissError();
    expect(client.snapshot.lastError).toBeNull();
  });

  it('counts pongs without bothering listeners', () => {
    const plugins = collect(['plugins']);
    net.last().open();
    net.last().receive(msg('pong', null));
    expect(client.snapshot.pongs).toBe(1);
    expect(plugins.got).toEqual([]);
  });

  it('records the topics the server confirmed with subscribed', () => {
    collect(['plugins', 'job:1']);
    net.last().open();
    net.last().receive(msg('subscribed', { topics: ['plugins', 'job:1'] }));
    expect(client.snapshot.serverTopics).toEqual(['plugins', 'job:1']);
  });

  it('drops malformed messages, counts them, and keeps the connection open', () => {
    const plugins = collect(['plugins']);
    net.last().open();
    net.last().receive('not json');
    net.last().receive(msg('plugin_status', { name: 1 }));
    net.last().receive(msg('no_such_type', {}));
    expect(plugins.got).toEqual([]);
    expect(client.snapshot.malformed).toBe(3);
    expect(client.state).toBe('open');
    net.last().receive(msg('plugin_status', { name: 'ok', state: 'INITIALIZED', reason: null, reason_code: null }));
    expect(plugins.got).toHaveLength(1);
  });

  it('a listener that unsubscribes another during delivery does not break delivery', () => {
    const got: string[] = [];
    let offB: () => void = () => undefined;
    client.subscribe(['plugins'], () => {
      got.push('a');
      offB();
    });
    offB = client.subscribe(['plugins'], () => got.push('b'));
    net.last().open();
    net.last().receive(msg('plugin_status', { name: 'ok', state: 'RUNNING', reason: null, reason_code: null }));
    expect(got).toEqual(['a']);
  });

  it('reconnects after a drop, not before the backoff delay', () => {
    collect(['plugins']);
    net.last().open();
    net.last().drop();
    expect(client.state).toBe('reconnecting');
    expect(client.snapshot.retryInMs).toBe(1000);
    vi.advanceTimersByTime(999);
    expect(net.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(net.sockets).toHaveLength(2);
  });

  it('doubles the delay after each failed attempt', () => {
    collect(['plugins']);
    net.last().drop(); // the first attempt never opened
    const delays: Array<number | null> = [client.snapshot.retryInMs];
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(client.snapshot.retryInMs ?? 0);
      net.last().drop();
      delays.push(client.snapshot.retryInMs);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    expect(client.snapshot.attempts).toBe(4);
  });

  it('caps the delay at maxRetryMs', () => {
    collect(['plugins']);
    for (let i = 0; i < 8; i++) {
      net.last().drop();
      vi.advanceTimersByTime(client.snapshot.retryInMs ?? 0);
    }
    net.last().drop();
    expect(client.snapshot.retryInMs).toBe(8000);
  });

  it('starts the backoff over once a connection opened', () => {
    collect(['plugins']);
    net.last().drop();
    vi.advanceTimersByTime(1000);
    net.last().drop();
    vi.advanceTimersByTime(2000);
    net.last().open();
    expect(client.snapshot.attempts).toBe(0);
    net.last().drop();
    expect(client.snapshot.retryInMs).toBe(1000);
  });

  it('subscribes again to every current topic after a reconnect, not to ones given up meanwhile', () => {
    collect(['plugins']);
    const job = collect(['job:7']);
    const gone = collect(['job:8']);
    net.last().open();
    net.last().drop();
    gone.off(); // unsubscribed while disconnected: nothing sent, and not resubscribed
    vi.advanceTimersByTime(1000);
    net.last().open();
    expect(net.last().sent).toEqual([{ type: 'subscribe', payload: { topics: ['plugins', 'job:7'] } }]);
    net.last().receive(msg('job_progress', { job_id: '7', progress: 10, stage: null }));
    expect(job.got).toHaveLength(1);
  });

  it('does not reconnect once nobody listens', () => {
    const a = collect(['plugins']);
    net.last().open();
    a.off();
    net.last().drop();
    expect(client.state).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(net.sockets).toHaveLength(1);
  });

  it('close() stops retrying; a later subscribe connects again', () => {
    collect(['plugins']);
    net.last().drop();
    client.close();
    expect(client.state).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(net.sockets).toHaveLength(1);
    collect(['jobs']);
    expect(net.sockets).toHaveLength(2);
  });

  it('reconnectNow() replaces the socket at once and asks the URL again (a new API key)', () => {
    collect(['plugins']);
    net.last().open();
    url = 'ws://host/v1/realtime?key=new';
    client.reconnectNow();
    expect(net.sockets[0]!.closedByClient).toBe(true);
    expect(net.sockets).toHaveLength(2);
    expect(net.last().url).toBe('ws://host/v1/realtime?key=new');
    // the old socket closing late is not a failure of the new one
    net.sockets[0]!.onclose?.({ code: 1000 } as CloseEvent);
    expect(client.snapshot.attempts).toBe(0);
  });

  it('pings while open and replaces a connection that answers nothing for a whole interval', () => {
    collect(['plugins']);
    net.last().open();
    vi.advanceTimersByTime(20_000);
    expect(net.last().sent.at(-1)).toEqual({ type: 'ping' });
    vi.advanceTimersByTime(20_000); // no answer
    expect(net.sockets[0]!.closedByClient).toBe(true);
    expect(client.state).toBe('reconnecting');
    vi.advanceTimersByTime(1000);
    expect(net.sockets).toHaveLength(2);
  });

  it('keeps a connection that answers its pings', () => {
    collect(['plugins']);
    net.last().open();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(20_000);
      net.last().receive(msg('pong', null));
    }
    expect(net.sockets).toHaveLength(1);
    expect(client.state).toBe('open');
    expect(client.snapshot.pongs).toBe(5);
  });

  it('a socket that cannot even be created is retried with backoff', () => {
    let fail = true;
    const c = new RealtimeClient({
      url: () => 'ws://x',
      connect: (u) => {
        if (fail) throw new SyntaxError('bad url');
        return net.connect(u);
      },
    });
    c.subscribe(['plugins'], () => undefined);
    expect(c.state).toBe('reconnecting');
    expect(c.snapshot.retryInMs).toBe(1000);
    fail = false;
    vi.advanceTimersByTime(1000);
    net.last().open();
    expect(c.state).toBe('open');
    c.close();
  });

  it('reports every state change in order: connecting, open, reconnecting, open, closed', () => {
    const states: ConnectionState[] = [];
    client.onState((s) => states.push(s));
    const a = collect(['plugins']);
    net.last().open();
    net.last().drop();
    vi.advanceTimersByTime(1000);
    net.last().open();
    a.off();
    client.close();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });
});
