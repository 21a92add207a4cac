import { BastionError } from '../errors/bastion-error.js';

export type ServerPhase = 'starting' | 'ready' | 'draining' | 'stopped';

/**
 * The server's own lifecycle, in one place: starting (plugins loading) → ready → draining (SIGTERM/SIGINT: no
 * new work, calls in flight get the shutdown grace) → stopped. Whatever takes new work — tool calls, jobs,
 * stream frames — asks {@link assertAccepting} first; `/readyz` answers from {@link readiness}.
 */
export class ServerLifecycle {
  #phase: ServerPhase = 'starting';

  get phase(): ServerPhase {
    return this.#phase;
  }

  get ready(): boolean {
    return this.#phase === 'ready';
  }

  /** True from the start of the shutdown on: take no new work. */
  get draining(): boolean {
    return this.#phase === 'draining' || this.#phase === 'stopped';
  }

  /** Startup loading finished (ignored once draining began). */
  markReady(): void {
    if (this.#phase === 'starting') this.#phase = 'ready';
  }

  beginDrain(): void {
    if (!this.draining) this.#phase = 'draining';
  }

  markStopped(): void {
    this.#phase = 'stopped';
  }

  /** Throws 503 SHUTTING_DOWN once the server is draining. */
  assertAccepting(): void {
    if (this.draining) throw shuttingDown();
  }

  /** Null when ready, else the coded error `/readyz` answers with (STARTING or SHUTTING_DOWN). */
  readiness(): BastionError | null {
    if (this.#phase === 'ready') return null;
    if (this.#phase === 'starting') {
      return new BastionError('STARTING', 'the server is still loading its plugins; retry shortly', {
        retryAfterS: 1,
      });
    }
    return shuttingDown();
  }
}

function shuttingDown(): BastionError {
  return new BastionError('SHUTTING_DOWN', 'the server is shutting down and takes no new work; retry later');
}
