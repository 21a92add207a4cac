import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpSessionServer } from './mcp-server.js';
import { NodeStreamableTransport } from './transport.js';
import type { Logger } from 'pino';

export interface SessionLimits {
  /** At most this many sessions live at once; a new one evicts the least recently used (idle ones first). */
  maxSessions: number;
  /** A session with no request for this long and no open stream is closed. */
  idleMs: number;
  /** How often idle sessions are looked for. */
  sweepMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 100, idleMs: 30 * 60_000, sweepMs: 60_000 };

export interface Session {
  id: string;
  transport: NodeStreamableTransport;
  server: Server;
  lastSeen: number;
  /** When the session was last used, as a count of uses over all sessions: the least recently used is evicted. */
  used: number;
  /** HTTP exchanges in progress: a running call's response stream, the GET notification stream. */
  open: number;
  /**
   * The fingerprint of the key that opened the session (null: opened without a key). Every later request must
   * carry the same key, so the role it had at initialize is the role of every call.
   */
  owner: string | null;
}

/** Whether two key fingerprints (or their absence) are the same caller; compared in constant time. */
export function sameOwner(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A transport made for an initialize request; it becomes a session only if the initialize succeeds. */
export interface PendingSession {
  transport: NodeStreamableTransport;
  /** Closes the server and transport if no session came of them. */
  settle(): Promise<void>;
}

/**
 * The live MCP sessions (Streamable HTTP, stateful: only a session can receive notifications/tools/list_changed).
 * Bounded in number and expired when idle, so memory stays bounded whatever clients do; DELETE /mcp, a closed
 * transport or stop() remove them.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  #uses = 0;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(
    private readonly makeServer: () => McpSessionServer,
    private readonly logger: Logger,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {
    this.#timer = setInterval(() => this.sweep(), limits.sweepMs);
    this.#timer.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** A new server and transport for an initialize request by the caller with key fingerprint `owner`. */
  async create(owner: string | null = null): Promise<PendingSession> {
    const { server, calls } = this.makeServer();
    let admitted = false;
    const transport: NodeStreamableTransport = new NodeStreamableTransport({
      sessionIdGenerator: () => randomUUID(),
      intercept: (message, reply) => calls.take(message, reply),
      onsessioninitialized: (id) => {
        if (this.#closed) return;
        admitted = true;
        this.#admit({ id, transport, server, lastSeen: Date.now(), used: ++this.#uses, open: 0, owner });
      },
    });
    // Set before connect(): the server chains its own close handling after this one.
    transport.onclose = () => {
      calls.abortAll();
      const id = transport.sessionId;
      if (id !== undefined && this.#sessions.get(id)?.transport === transport) this.#sessions.delete(id);
    };
    transport.onerror = (err) => this.logger.debug({ err: err.message }, 'MCP transport rejected a request');
    await server.connect(transport);
    return {
      transport,
      settle: async () => {
        if (!admitted || this.#closed) await server.close().catch(() => {});
      },
    };
  }

  /** Counts an HTTP exchange of a session as open until its response closes. */
  track(session: Session, res: ServerResponse): void {
    this.#touch(session);
    session.open++;
    res.once('close', () => {
      session.open--;
      session.lastSeen = Date.now();
    });
  }

  /** Tells every session that the tool list changed (clients listening on GET /mcp get it at once). */
  broadcastToolListChanged(): void {
    for (const s of this.#sessions.values()) {
      s.server.sendToolListChanged().catch(() => {}); // a session closing meanwhile has no one to tell
    }
  }

  /** Closes sessions idle for longer than the limit. */
  sweep(now = Date.now()): void {
    for (const s of [...this.#sessions.values()]) {
      if (s.open === 0 && now - s.lastSeen > this.limits.idleMs) void this.#close(s, 'idle');
    }
  }

  async closeAll(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.all([...this.#sessions.values()].map((s) => this.#close(s, 'shutdown')));
  }

  #admit(session: Session): void {
    while (this.#sessions.size >= this.limits.maxSessions) {
      // The least recently used idle session, else the least recently used (a scan: sessions are few, uses many).
      let victim: Session | undefined;
      for (const s of this.#sessions.values()) {
        if (!victim || evictsBefore(s, victim)) victim = s;
      }
      if (!victim) break;
      this.#sessions.delete(victim.id);
      void this.#close(victim, 'evicted: too many sessions');
    }
    this.#sessions.set(session.id, session);
  }

  #touch(session: Session): void {
    session.lastSeen = Date.now();
    session.used = ++this.#uses;
  }

  async #close(session: Session, why: string): Promise<void> {
    this.#sessions.delete(session.id);
    this.logger.debug({ session: session.id }, `MCP session closed (${why})`);
    try {
      await session.server.close();
    } catch (err) {
      this.logger.warn({ err }, 'closing an MCP session failed');
    }
  }
}

/** Whether `a` goes before `b`: idle sessions first, then the one used least recently. */
function evictsBefore(a: Session, b: Session): boolean {
  const aIdle = a.open === 0;
  return aIdle !== (b.open === 0) ? aIdle : a.used < b.used;
}
