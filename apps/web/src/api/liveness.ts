import type { RealtimeClient } from './realtime';
import { realtime } from './realtime';

/**
 * `up`: the realtime link is open or the last probe answered; `down`: the last probe failed;
 * `checking`: the link dropped and the first probe has not answered yet.
 */
export type ServerReach = 'up' | 'down' | 'checking';

export interface LivenessSnapshot {
  reach: ServerReach;
  /** When the server last answered (epoch ms); null while the realtime link is open (it answers now). */
  lastSeenAt: number | null;
}

export interface LivenessOptions {
  realtime: RealtimeClient;
  /** Resolves true when `/healthz` answers 200. */
  probe: () => Promise<boolean>;
  /** How often to probe while the realtime link is not open. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Whether the server can be reached, honestly: while the realtime link is open it is `up`; once the link drops the
 * UI probes `/healthz` every second. The moment a probe answers after a failure, the realtime client's backoff is
 * reset (`reconnectNow`), so a server that comes back is live again within about a second instead of after a retry
 * delay that has grown to 15 s.
 */
export class Liveness {
  readonly #opts: Required<LivenessOptions>;
  #timer: ReturnType<typeof setInterval> | null = null;
  #inFlight = false;
  #users = 0;
  #listeners = new Set<() => void>();
  #offRealtime: (() => void) | null = null;
  #snap: LivenessSnapshot = { reach: 'up', lastSeenAt: null };

  constructor(opts: LivenessOptions) {
    this.#opts = { intervalMs: 1000, now: Date.now, ...opts };
  }

  get snapshot(): LivenessSnapshot {
    return this.#snap;
  }

  /** Follows the realtime link while at least one caller has started it and not yet called the returned stop. */
  start(): () => void {
    this.#users++;
    if (!this.#offRealtime) {
      this.#offRealtime = this.#opts.realtime.onChange(() => this.#follow());
      this.#follow();
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--this.#users === 0) this.stop();
    };
  }

  /** Stops following and probing, whoever started it. */
  stop(): void {
    this.#users = 0;
    this.#offRealtime?.();
    this.#offRealtime = null;
    this.#stopProbing();
  }

  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #set(next: LivenessSnapshot): void {
    if (next.reach === this.#snap.reach && next.lastSeenAt === this.#snap.lastSeenAt) return;
    this.#snap = next;
    for (const l of [...this.#listeners]) l();
  }

  #follow(): void {
    const state = this.#opts.realtime.state;
    if (state === 'open') {
      this.#stopProbing();
      this.#set({ reach: 'up', lastSeenAt: null });
      return;
    }
    if (state === 'closed') {
      // Nobody listens: nothing to say about the server.
      this.#stopProbing();
      return;
    }
    if (!this.#timer) {
      // The link just dropped: the server answered until now.
      this.#set({ reach: 'checking', lastSeenAt: this.#snap.lastSeenAt ?? this.#opts.now() });
      this.#timer = setInterval(() => void this.#probe(), this.#opts.intervalMs);
      void this.#probe();
    }
  }

  #stopProbing(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #probe(): Promise<void> {
    if (this.#inFlight) return;
    this.#inFlight = true;
    let ok: boolean;
    try {
      ok = await this.#opts.probe();
    } catch {
      ok = false;
    } finally {
      this.#inFlight = false;
    }
    if (!this.#timer) return; // the link opened meanwhile
    if (ok) {
      const wasDown = this.#snap.reach !== 'up';
      this.#set({ reach: 'up', lastSeenAt: this.#opts.now() });
      // Answering again: connect now instead of waiting out the backoff.
      if (wasDown && this.#opts.realtime.state !== 'open') this.#opts.realtime.reconnectNow();
    } else {
      this.#set({ reach: 'down', lastSeenAt: this.#snap.lastSeenAt });
    }
  }
}

/** `GET /healthz` within one probe interval; any answer but 200 (or none) is "not reachable". */
export async function probeHealthz(timeoutMs = 900): Promise<boolean> {
  try {
    const res = await fetch('/healthz', { cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The UI's one liveness watcher, over its one realtime connection. */
export const liveness = new Liveness({ realtime, probe: () => probeHealthz() });
