/** Rolling statistics of the live camera stream. Pure, so it can be tested without a camera. */
export class StreamStats {
  readonly #sentAt = new Map<number, number>();
  #results: number[] = [];
  #latencies: number[] = [];
  #exec: number[] = [];
  sent = 0;
  dropped = 0;
  errors = 0;

  constructor(private readonly window = 20) {}

  /** Frames sent and not yet answered (running on the server or waiting there). */
  get outstanding(): number {
    return this.#sentAt.size;
  }

  onSent(frameId: number, now: number): void {
    this.sent++;
    this.#sentAt.set(frameId, now);
  }

  /** An answer for `frameId`; older unanswered frames were replaced on the server (latest wins). */
  onAnswer(frameId: number | string | null, now: number, execMs: number | null, dropped: number): void {
    const id = typeof frameId === 'number' ? frameId : Number(frameId);
    const sent = this.#sentAt.get(id);
    for (const k of [...this.#sentAt.keys()]) if (k <= id) this.#sentAt.delete(k);
    if (sent !== undefined) this.#push(this.#latencies, now - sent);
    if (execMs !== null) this.#push(this.#exec, execMs);
    this.#results.push(now);
    while (this.#results.length > 0 && now - this.#results[0]! > 3000) this.#results.shift();
    this.dropped = Math.max(this.dropped, dropped);
  }

  /** Forget frames the server will never answer (e.g. sent right before a reconnect). */
  expire(now: number, maxAgeMs = 10_000): void {
    for (const [k, t] of this.#sentAt) if (now - t > maxAgeMs) this.#sentAt.delete(k);
  }

  #push(arr: number[], v: number): void {
    arr.push(v);
    if (arr.length > this.window) arr.shift();
  }

  snapshot(now: number): {
    fps: number;
    latencyMs: number | null;
    execMs: number | null;
    sent: number;
    dropped: number;
    errors: number;
  } {
    const recent = this.#results.filter((t) => now - t <= 3000);
    const span = recent.length > 1 ? (now - recent[0]!) / 1000 : 0;
    const avg = (a: number[]) => (a.length ? a.reduce((s, x) => s + x, 0) / a.length : null);
    return {
      fps: span > 0 ? (recent.length - 1) / span : 0,
      latencyMs: avg(this.#latencies),
      execMs: avg(this.#exec),
      sent: this.sent,
      dropped: this.dropped,
      errors: this.errors,
    };
  }
}
