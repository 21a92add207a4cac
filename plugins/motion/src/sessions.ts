/** Previous working frame of one session. */
export interface Session {
  width: number;
  height: number;
  frame: Uint8Array;
  lastUsed: number;
}

/**
 * Bounded per-session state: at most `maxSessions` sessions (the least recently used is evicted) and sessions idle
 * for longer than `idleMs` expire. A Map keeps insertion order, and every use re-inserts, so iteration runs from
 * least to most recently used.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    readonly maxSessions: number,
    readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Drops expired sessions (oldest first; stops at the first live one). */
  sweep(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [id, s] of this.sessions) {
      if (s.lastUsed > cutoff) break;
      this.sessions.delete(id);
    }
  }

  get(id: string): Session | undefined {
    this.sweep();
    return this.sessions.get(id);
  }

  set(id: string, width: number, height: number, frame: Uint8Array): void {
    this.sessions.delete(id);
    this.sessions.set(id, { width, height, frame, lastUsed: this.now() });
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  has(id: string): boolean {
    this.sweep();
    return this.sessions.has(id);
  }

  clear(): void {
    this.sessions.clear();
  }
}
