import type { ErrorCode, RealtimeServerPayloads } from '@bastion/protocol';
import { WS_CLOSE } from '@bastion/protocol';
import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import { BastionError } from '../../errors/bastion-error.js';
import { toCoded } from '../../errors/coded.js';
import type { JobBackend, JobEvents, JobView } from '../../jobs/backend.js';
import type { Registry, StateEvent } from '../../plugins/registry.js';
import { envelope, envelopeWithResult } from './envelope.js';
import { rawToBuffer } from './raw.js';
import { DEFAULT_OUTBOUND_LIMITS, Outbound, type OutboundLimits } from './outbound.js';
import { checkJsonValue } from '../body.js';

export interface HubOptions {
  heartbeatMs: number;
  /** Client messages above this get an error message (PAYLOAD_TOO_LARGE); the connection stays. */
  maxInboundBytes: number;
  maxTopics: number;
  outbound: OutboundLimits;
  /** Called with the code of every `error` message sent (for bastion_request_errors_total). */
  onError?: (code: ErrorCode) => void;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  heartbeatMs: 30_000,
  maxInboundBytes: 64 * 1024,
  maxTopics: 256,
  outbound: DEFAULT_OUTBOUND_LIMITS,
};

type ServerType = keyof RealtimeServerPayloads;

/** Progress and partial results may be shed for a slow client; status changes, errors and replies may not. */
const DROPPABLE: ReadonlySet<ServerType> = new Set<ServerType>(['job_progress', 'partial_result']);

class Connection {
  readonly topics = new Set<string>();
  readonly out: Outbound;
  alive = true;

  constructor(
    readonly ws: WebSocket,
    limits: OutboundLimits,
    onHopeless: (c: Connection) => void,
    private readonly onError: (code: ErrorCode) => void = () => {},
  ) {
    this.out = new Outbound(ws, limits, () => onHopeless(this));
  }

  send<T extends ServerType>(type: T, payload: RealtimeServerPayloads[T]): void {
    this.out.send(envelope(type, payload), DROPPABLE.has(type));
  }

  error(code: ErrorCode, message: string): void {
    this.onError(code);
    this.send('error', { code, message });
  }
}

const TOPIC_HELP = "topics are 'plugins', 'jobs' and 'job:<id>'";

/**
 * `/v1/realtime`: pushes plugin state changes and job updates to subscribed WebSocket clients. Each message is
 * serialised once and fanned out; each connection has a bounded send buffer ({@link Outbound}); bad client
 * messages get `error` messages and never close the connection; a ws-level ping every `heartbeatMs` drops
 * clients that stopped answering.
 */
export class RealtimeHub {
  readonly #conns = new Set<Connection>();
  /** Other sockets kept alive by the heartbeat, with whether they answered since the last ping. */
  readonly #others = new Map<WebSocket, boolean>();
  readonly #opts: HubOptions;
  #heartbeat: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #onState = (e: StateEvent): void => {
    this.#publish((t) => t.has('plugins'), 'plugin_status', {
      name: e.name,
      state: e.state,
      reason: e.reason,
      reason_code: e.reason_code,
    });
  };
  readonly #onJobStatus = (e: JobEvents['status'][0]): void => {
    this.#publish(this.#jobMatch(e.job_id), 'job_status', { job_id: e.job_id, status: e.status, error: e.error });
  };
  readonly #onJobProgress = (e: JobEvents['progress'][0]): void => {
    this.#publish(this.#jobMatch(e.job_id), 'job_progress', { job_id: e.job_id, progress: e.progress, stage: e.stage });
  };
  readonly #onPartial = (e: JobEvents['partial'][0]): void => {
    const payload = { job_id: e.job_id, index: e.index, result: null };
    this.#publish(this.#jobMatch(e.job_id), 'partial_result', payload, () =>
      envelopeWithResult('partial_result', payload, e.resultJson),
    );
  };

  constructor(
    private readonly registry: Registry,
    private readonly jobs: JobBackend,
    private readonly logger: Logger,
    options: Partial<HubOptions> = {},
  ) {
    this.#opts = { ...DEFAULT_HUB_OPTIONS, ...options };
    registry.on('state', this.#onState);
    jobs.on('status', this.#onJobStatus);
    jobs.on('progress', this.#onJobProgress);
    jobs.on('partial', this.#onPartial);
    this.#heartbeat = setInterval(() => this.#beat(), this.#opts.heartbeatMs);
    this.#heartbeat.unref();
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  /** Totals across connections, for tests and metrics. */
  stats(): { connections: number; queuedBytes: number; maxQueuedBytes: number; dropped: number } {
    let queuedBytes = 0;
    let maxQueuedBytes = 0;
    let dropped = 0;
    for (const c of this.#conns) {
      queuedBytes += c.out.queuedBytes;
      maxQueuedBytes = Math.max(maxQueuedBytes, c.out.queuedBytes);
      dropped += c.out.dropped;
    }
    return { connections: this.#conns.size, queuedBytes, maxQueuedBytes, dropped };
  }

  attach(ws: WebSocket): void {
    if (this.#stopped) {
      ws.close(WS_CLOSE.GOING_AWAY, 'server stopping');
      return;
    }
    const conn = new Connection(
      ws,
      this.#opts.outbound,
      (c) => this.#hopeless(c),
      (code) => this.#opts.onError?.(code),
    );
    this.#conns.add(conn);
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data, isBinary) => {
      conn.alive = true;
      try {
        this.#onMessage(conn, data, isBinary);
      } catch (err) {
        const e = toCoded(err);
        this.logger.error({ err: e }, 'realtime: error handling a client message');
        conn.error(e.code, e.message);
      }
    });
    ws.on('close', () => {
      conn.out.clear();
      this.#conns.delete(conn);
    });
  }

  /** Heartbeats for a WebSocket that is not a realtime connection (e.g. /v1/stream): pinged, dropped when silent. */
  keepAlive(ws: WebSocket): void {
    if (this.#stopped) return;
    this.#others.set(ws, true);
    const alive = (): void => {
      if (this.#others.has(ws)) this.#others.set(ws, true);
    };
    ws.on('pong', alive);
    ws.on('message', alive);
    ws.on('close', () => this.#others.delete(ws));
  }

  /** Publishes an arbitrary message to every connection subscribed to `topic` (used by tests and benches). */
  publishRaw<T extends ServerType>(topic: string, type: T, payload: RealtimeServerPayloads[T]): void {
    this.#publish((t) => t.has(topic), type, payload);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.registry.off('state', this.#onState);
    this.jobs.off('status', this.#onJobStatus);
    this.jobs.off('progress', this.#onJobProgress);
    this.jobs.off('partial', this.#onPartial);
    for (const c of this.#conns) {
      c.out.clear();
      c.ws.close(WS_CLOSE.GOING_AWAY, 'server stopping');
    }
    for (const ws of this.#others.keys()) ws.close(WS_CLOSE.GOING_AWAY, 'server stopping');
    this.#others.clear();
  }

  #jobMatch(id: string): (topics: Set<string>) => boolean {
    const one = `job:${id}`;
    return (t) => t.has('jobs') || t.has(one);
  }

  #publish<T extends ServerType>(
    match: (topics: Set<string>) => boolean,
    type: T,
    payload: RealtimeServerPayloads[T],
    encode: () => string = () => envelope(type, payload),
  ): void {
    if (this.#stopped || this.#conns.size === 0) return;
    let data: string | null = null;
    const droppable = DROPPABLE.has(type);
    for (const c of this.#conns) {
      if (!match(c.topics)) continue;
      data ??= encode();
      c.out.send(data, droppable);
    }
  }

  #hopeless(c: Connection): void {
    this.logger.warn(`realtime: closing a slow client (${c.out.dropped} messages dropped, send buffer full)`);
    c.ws.close(WS_CLOSE.SLOW_CONSUMER, 'slow consumer: send buffer full');
    // A client that does not read will not read the close frame either.
    setTimeout(() => c.ws.terminate(), 10_000).unref();
  }

  #beat(): void {
    for (const c of this.#conns) {
      if (!c.alive) {
        c.out.clear();
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      if (c.ws.readyState === WebSocket.OPEN) c.ws.ping();
    }
    for (const [ws, alive] of this.#others) {
      if (!alive) {
        this.#others.delete(ws);
        ws.terminate();
        continue;
      }
      this.#others.set(ws, false);
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }
  }

  #onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const buf = rawToBuffer(data);
    const size = buf.byteLength;
    if (isBinary) {
      conn.error('BAD_REQUEST', 'binary messages are not accepted here; send JSON text like {"type":"ping"}');
      return;
    }
    if (size > this.#opts.maxInboundBytes) {
      conn.error('PAYLOAD_TOO_LARGE', `message of ${size} bytes is over the ${this.#opts.maxInboundBytes}-byte limit`);
      return;
    }
    const text = buf.toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      conn.error('BAD_REQUEST', 'message is not valid JSON; expected {"type": ..., "payload": ...}');
      return;
    }
    try {
      checkJsonValue(msg, 'the message', false); // deep nesting: a pong would echo it back
    } catch (err) {
      conn.error('BAD_REQUEST', (err as Error).message);
      return;
    }
    if (
      typeof msg !== 'object' ||
      msg === null ||
      Array.isArray(msg) ||
      typeof (msg as { type?: unknown }).type !== 'string'
    ) {
      conn.error('BAD_REQUEST', 'message must be a JSON object with a string "type"');
      return;
    }
    const { type, payload } = msg as { type: string; payload?: unknown };
    switch (type) {
      case 'ping':
        conn.send('pong', payload ?? {});
        return;
      case 'subscribe':
      case 'unsubscribe':
        this.#onSubscribe(conn, type, payload);
        return;
      default:
        conn.error(
          'BAD_REQUEST',
          `unknown message type '${type.slice(0, 64)}'; expected subscribe, unsubscribe or ping`,
        );
    }
  }

  #onSubscribe(conn: Connection, type: 'subscribe' | 'unsubscribe', payload: unknown): void {
    const topics = (payload as { topics?: unknown } | null | undefined)?.topics;
    if (!Array.isArray(topics) || !topics.every((t) => typeof t === 'string')) {
      conn.error('BAD_REQUEST', `${type} needs {"payload": {"topics": [...]}}; ${TOPIC_HELP}`);
      return;
    }
    const wanted: string[] = [];
    for (const topic of topics as string[]) {
      if (type === 'unsubscribe') {
        conn.topics.delete(topic);
        continue;
      }
      if (topic === 'plugins' || topic === 'jobs') {
        conn.topics.add(topic);
      } else if (/^job:[A-Za-z0-9-]{1,64}$/.test(topic)) {
        wanted.push(topic);
        continue;
      } else {
        conn.error('BAD_REQUEST', `unknown topic '${topic.slice(0, 80)}'; ${TOPIC_HELP}`);
        continue;
      }
      if (conn.topics.size > this.#opts.maxTopics) {
        conn.topics.delete(topic);
        conn.error('BAD_REQUEST', `too many topics (at most ${this.#opts.maxTopics} per connection)`);
        break;
      }
    }
    if (!wanted.length) {
      conn.send('subscribed', { topics: [...conn.topics] });
      return;
    }
    // Job topics need a lookup (in cluster mode, in Redis): answer once every named job has been checked.
    void Promise.all(wanted.map(async (topic) => ({ topic, job: await this.#jobSafe(topic.slice(4)) }))).then(
      (found) => {
        const snapshots: JobView[] = [];
        for (const { topic, job } of found) {
          if (job instanceof BastionError) {
            conn.error(job.code, `cannot subscribe to '${topic}': ${job.message}`);
            continue;
          }
          if (!job) {
            conn.error('JOB_NOT_FOUND', `cannot subscribe to '${topic}': no job '${topic.slice(4)}'`);
            continue;
          }
          if (conn.topics.size >= this.#opts.maxTopics) {
            conn.error('BAD_REQUEST', `too many topics (at most ${this.#opts.maxTopics} per connection)`);
            break;
          }
          conn.topics.add(topic);
          snapshots.push(job);
        }
        conn.send('subscribed', { topics: [...conn.topics] });
        // A job may have finished before the client subscribed: tell it where the job stands now.
        for (const job of snapshots)
          conn.send('job_status', { job_id: job.job_id, status: job.status, error: job.error });
      },
    );
  }

  /** The job, null if unknown, or the coded error that kept us from reading it (cluster mode: Redis down). */
  async #jobSafe(id: string) {
    try {
      return await this.jobs.get(id);
    } catch (err) {
      return err instanceof BastionError ? err : null;
    }
  }
}
