import type { RealtimeServerMessage } from '@bastion/protocol';
import { wsUrl } from './client';
import { onApiKeyChange } from './settings';

export type ConnectionState = 'connecting' | 'open' | 'closed';
type Listener = (msg: RealtimeServerMessage) => void;

/**
 * One shared `/v1/realtime` connection for the whole UI. Components subscribe to topics with a listener; the
 * client keeps a reference count per topic, (re)subscribes after every reconnect and reconnects with backoff.
 * While it is not open, pages fall back to polling (they watch `state`).
 */
class RealtimeClient {
  #ws: WebSocket | null = null;
  #state: ConnectionState = 'closed';
  #topics = new Map<string, number>();
  #listeners = new Set<{ topics: string[]; fn: Listener }>();
  #stateListeners = new Set<(s: ConnectionState) => void>();
  #retryMs = 1000;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    onApiKeyChange(() => this.#reconnectNow());
  }

  get state(): ConnectionState {
    return this.#state;
  }

  onState(fn: (s: ConnectionState) => void): () => void {
    this.#stateListeners.add(fn);
    return () => this.#stateListeners.delete(fn);
  }

  /** Listens to messages of these topics; returns the unsubscribe function. */
  subscribe(topics: string[], fn: Listener): () => void {
    const entry = { topics, fn };
    this.#listeners.add(entry);
    const added: string[] = [];
    for (const t of topics) {
      const n = this.#topics.get(t) ?? 0;
      this.#topics.set(t, n + 1);
      if (n === 0) added.push(t);
    }
    if (added.length) this.#send({ type: 'subscribe', payload: { topics: added } });
    this.#ensure();
    return () => {
      this.#listeners.delete(entry);
      const removed: string[] = [];
      for (const t of topics) {
        const n = (this.#topics.get(t) ?? 1) - 1;
        if (n <= 0) {
          this.#topics.delete(t);
          removed.push(t);
        } else this.#topics.set(t, n);
      }
      if (removed.length) this.#send({ type: 'unsubscribe', payload: { topics: removed } });
    };
  }

  #setState(s: ConnectionState): void {
    if (s === this.#state) return;
    this.#state = s;
    for (const l of this.#stateListeners) l(s);
  }

  #send(msg: unknown): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #ensure(): void {
    if (this.#ws || this.#timer) return;
    this.#connect();
  }

  #reconnectNow(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const ws = this.#ws;
    this.#ws = null;
    ws?.close();
    this.#retryMs = 1000;
    if (this.#listeners.size) this.#connect();
  }

  #connect(): void {
    this.#setState('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsUrl('/v1/realtime'));
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      this.#retryMs = 1000;
      this.#setState('open');
      const topics = [...this.#topics.keys()];
      if (topics.length) ws.send(JSON.stringify({ type: 'subscribe', payload: { topics } }));
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let msg: RealtimeServerMessage;
      try {
        msg = JSON.parse(ev.data) as RealtimeServerMessage;
      } catch {
        return;
      }
      const topic = topicOf(msg);
      for (const l of [...this.#listeners]) {
        if (topic === null || l.topics.some((t) => matches(t, topic))) l.fn(msg);
      }
    };
    ws.onclose = () => {
      if (this.#ws !== ws) return; // replaced on purpose
      this.#ws = null;
      this.#setState('closed');
      this.#scheduleRetry();
    };
  }

  #scheduleRetry(): void {
    if (this.#listeners.size === 0) {
      this.#setState('closed');
      return;
    }
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, 15_000);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#ws) this.#connect();
    }, delay);
  }
}

/** The topic a server message belongs to: `plugins`, `job:<id>`, or null for connection-level messages. */
function topicOf(msg: RealtimeServerMessage): string | null {
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

export const realtime = new RealtimeClient();
