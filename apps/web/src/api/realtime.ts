import type { RealtimeClientMessage, RealtimeServerMessage, WsErrorPayload } from '@bastion/protocol';
import { wsUrl } from './client';
import { parseServerMessage } from './realtime-messages';
import { onApiKeyChange } from './settings';

/**
 * `connecting`: the first attempt; `open`: live; `reconnecting`: the link dropped or an attempt failed and a retry
 * is scheduled or under way; `closed`: nobody listens (or the client was closed), so no connection is kept.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type RealtimeListener = (msg: RealtimeServerMessage) => void;

/** The part of the browser's WebSocket the client uses; tests hand in a fake with the same surface. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export interface RealtimeOptions {
  url: () => string;
  /** Opens a socket; the browser's WebSocket by default. */
  connect?: (url: string) => SocketLike;
  /** First retry delay; it doubles per failed attempt up to `maxRetryMs` and resets once a connection opens. */
  initialRetryMs?: number;
  maxRetryMs?: number;
  /** A ping goes out this often while open; a connection that answers nothing for a whole interval is replaced. */
  pingIntervalMs?: number;
}

/** What the connection indicator and the error banner show. */
export interface RealtimeSnapshot {
  state: ConnectionState;
  /** Delay of the scheduled retry, while reconnecting. */
  retryInMs: number | null;
  /** Failed attempts since the last open connection. */
  attempts: number;
  /** The last `error` message the server sent; cleared by `dismissError()`. */
  lastError: WsErrorPayload | null;
  /** Topics the server confirmed with `subscribed`. */
  serverTopics: readonly string[];
  /** Messages dropped because they were not valid JSON or not a known, well-formed message. */
  malformed: number;
  /** `pong`s received. */
  pongs: number;
}

const OPEN = 1;

/**
 * One shared `/v1/realtime` connection for the whole UI. Components subscribe to topics with a listener; the
 * client keeps a reference count per topic, sends `subscribe`/`unsubscribe` when a topic gains its first or loses
 * its last listener, subscribes again to everything after each reconnect, and reconnects with exponential
 * backoff. Pages watch `state` and poll while it is not `open`.
 */
export class RealtimeClient {
  readonly #opts: Required<RealtimeOptions>;
  #ws: SocketLike | null = null;
  #topics = new Map<string, number>();
  #listeners = new Set<{ topics: string[]; fn: RealtimeListener }>();
  #changeListeners = new Set<() => void>();
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #awaitingAnswer = false;
  #everOpened = false;
  #disposed = false;
  #snap: RealtimeSnapshot = {
    state: 'closed',
    retryInMs: null,
    attempts: 0,
    lastError: null,
    serverTopics: [],
    malformed: 0,
    pongs: 0,
  };

  constructor(opts: RealtimeOptions) {
    this.#opts = {
      connect: (url) => new WebSocket(url),
      initialRetryMs: 1000,
      maxRetryMs: 15_000,
      pingIntervalMs: 25_000,
      ...opts,
    };
  }

  get state(): ConnectionState {
    return this.#snap.state;
  }

  /** An immutable view, replaced on every change (safe for React's useSyncExternalStore). */
  get snapshot(): RealtimeSnapshot {
    return this.#snap;
  }

  /** Topics some listener wants, in subscription order. */
  get topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Called after any change of the snapshot. */
  onChange(fn: () => void): () => void {
    this.#changeListeners.add(fn);
    return () => this.#changeListeners.delete(fn);
  }

  /** Calls `fn` with the new state whenever it changes. */
  onState(fn: (s: ConnectionState) => void): () => void {
    let last = this.state;
    return this.onChange(() => {
      if (this.state !== last) fn((last = this.state));
    });
  }

  /** Listens to messages of these topics (and to connection-wide `error`s); returns the unsubscribe function. */
  subscribe(topics: string[], fn: RealtimeListener): () => void {
    const entry = { topics: [...topics], fn };
    this.#listeners.add(entry);
    const added: string[] = [];
    for (const t of entry.topics) {
      const n = this.#topics.get(t) ?? 0;
      this.#topics.set(t, n + 1);
      if (n === 0) added.push(t);
    }
    if (added.length) this.#send({ type: 'subscribe', payload: { topics: added } });
    this.#disposed = false;
    if (!this.#ws && !this.#retryTimer) this.#connect();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#listeners.delete(entry);
      const removed: string[] = [];
      for (const t of entry.topics) {
        const n = (this.#topics.get(t) ?? 1) - 1;
        if (n <= 0) {
          this.#topics.delete(t);
          removed.push(t);
        } else this.#topics.set(t, n);
      }
      if (removed.length) this.#send({ type: 'unsubscribe', payload: { topics: removed } });
    };
  }

  /** Drops the current connection and connects again at once (e.g. after the API key changed). */
  reconnectNow(): void {
    this.#clearRetry();
    this.#drop();
    this.#update({ attempts: 0 });
    if (this.#listeners.size && !this.#disposed) this.#connect();
    else this.#update({ state: 'closed', retryInMs: null });
  }

  /** Stops for good: closes the socket and cancels any retry until the next `subscribe`. */
  close(): void {
    this.#disposed = true;
    this.#clearRetry();
    this.#drop();
    this.#update({ state: 'closed', retryInMs: null });
  }

  dismissError(): void {
    if (this.#snap.lastError) this.#update({ lastError: null });
  }

  #update(patch: Partial<RealtimeSnapshot>): void {
    const next = { ...this.#snap, ...patch };
    if ((Object.keys(patch) as Array<keyof RealtimeSnapshot>).every((k) => next[k] === this.#snap[k])) return;
    this.#snap = next;
    for (const l of [...this.#changeListeners]) l();
  }

  #send(msg: RealtimeClientMessage): void {
    if (this.#ws?.readyState === OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** Forgets the current socket without treating its close as a failure. */
  #drop(): void {
    this.#stopPing();
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        // already closed
      }
    }
  }

  #connect(): void {
    this.#update({
      state: this.#everOpened || this.#snap.attempts > 0 ? 'reconnecting' : 'connecting',
      retryInMs: null,
    });
    let ws: SocketLike;
    try {
      ws = this.#opts.connect(this.#opts.url());
    } catch {
      this.#failed();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      this.#everOpened = true;
      this.#update({ state: 'open', attempts: 0, retryInMs: null });
      const topics = this.topics;
      if (topics.length) this.#send({ type: 'subscribe', payload: { topics } });
      this.#startPing();
    };
    ws.onmessage = (ev: MessageEvent) => this.#onMessage(ev.data);
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#stopPing();
      this.#failed();
    };
  }

  #failed(): void {
    if (this.#listeners.size === 0 || this.#disposed) {
      this.#update({ state: 'closed', retryInMs: null, attempts: 0 });
      return;
    }
    const attempts = this.#snap.attempts;
    const delay = Math.min(this.#opts.initialRetryMs * 2 ** attempts, this.#opts.maxRetryMs);
    this.#update({ state: 'reconnecting', attempts: attempts + 1, retryInMs: delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#ws) this.#connect();
    }, delay);
  }

  #startPing(): void {
    this.#stopPing();
    this.#awaitingAnswer = false;
    this.#pingTimer = setInterval(() => {
      if (this.#awaitingAnswer) {
        // Nothing came back for a whole interval: the link is dead even if the socket has not noticed.
        const ws = this.#ws;
        this.#drop();
        if (ws) this.#failed();
        return;
      }
      this.#awaitingAnswer = true;
      this.#send({ type: 'ping' });
    }, this.#opts.pingIntervalMs);
  }

  #stopPing(): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
  }

  #onMessage(data: unknown): void {
    this.#awaitingAnswer = false;
    const msg = parseServerMessage(data);
    if (!msg) {
      this.#update({ malformed: this.#snap.malformed + 1 });
      return;
    }
    switch (msg.type) {
      case 'pong':
        this.#update({ pongs: this.#snap.pongs + 1 });
        return;
      case 'subscribed':
        this.#update({ serverTopics: msg.payload.topics });
        return;
      case 'error':
        this.#update({ lastError: msg.payload });
        break;
      default:
        break;
    }
    const topic = topicOf(msg);
    for (const l of [...this.#listeners]) {
      if (!this.#listeners.has(l)) continue; // removed by an earlier listener of this message
      if (topic === null || l.topics.some((t) => matches(t, topic))) l.fn(msg);
    }
  }
}

/** The topic a server message belongs to: `plugins`, `job:<id>`, or null for connection-wide messages. */
export function topicOf(msg: RealtimeServerMessage): string | null {
  switch (msg.type) {
    case 'plugin_status':
      return 'plugins';
    case 'job_status':
    case 'job_progress':
    case 'partial_result':
      return `job:${msg.payload.job_id}`;
    default:
      return null;
  }
}

function matches(subscribed: string, topic: string): boolean {
  return subscribed === topic || (subscribed === 'jobs' && topic.startsWith('job:'));
}

/** The UI's one connection; the API key travels as `?key=`, so a new key means a new connection. */
export const realtime = new RealtimeClient({ url: () => wsUrl('/v1/realtime') });
onApiKeyChange(() => realtime.reconnectNow());
