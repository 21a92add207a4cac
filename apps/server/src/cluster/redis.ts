import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { ClusterQueue } from '@bastion/protocol';
import type { Logger } from 'pino';
import { BastionError } from '../errors/bastion-error.js';
import { redactUrl } from './redact.js';

/** A request that needs Redis answers within this time, or 503 QUEUE_UNAVAILABLE (one command: the same). */
export const REQUEST_DEADLINE_MS = 2000;
/** How often the link checks that Redis answers (a frozen Redis keeps its sockets open and answers nothing). */
const PROBE_EVERY_MS = 1000;
/** What a 503 QUEUE_UNAVAILABLE tells a client to wait before trying again. */
const RETRY_AFTER_S = 2;

/**
 * The node's connections to Redis: `command` for requests (fails fast while Redis is down and times out after
 * {@link REQUEST_DEADLINE_MS}, so an HTTP request never hangs), `blocking` for BullMQ workers (waits and retries,
 * as BullMQ requires) and `subscriber` for pub/sub. ioredis reconnects by itself; a probe (`PING`) every second
 * tells whether Redis really answers — a stopped (frozen) or partitioned Redis keeps the sockets open — and that
 * the peer is Redis at all. The link says once per outage that it went down, and once that it is back.
 */
export class RedisLink extends EventEmitter<{ up: []; down: [string] }> {
  readonly command: Redis;
  readonly blocking: Redis;
  readonly subscriber: Redis;
  #connected = false;
  #socketReady = false;
  #error: string | null = 'connecting';
  #closed = false;
  #warned = false;
  #everConnected = false;
  #probing = false;
  readonly #probeTimer: NodeJS.Timeout;

  constructor(
    readonly url: string,
    private readonly logger: Logger,
  ) {
    super();
    const base: RedisOptions = {
      connectionName: 'bastion',
      // Reconnect forever, at most every 2 s.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      connectTimeout: 5000,
      keepAlive: 10_000,
      lazyConnect: false,
    };
    this.command = new Redis(url, {
      ...base,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: REQUEST_DEADLINE_MS,
    });
    this.blocking = new Redis(url, { ...base, maxRetriesPerRequest: null });
    this.subscriber = new Redis(url, { ...base, maxRetriesPerRequest: null });
    for (const conn of [this.blocking, this.subscriber]) conn.on('error', () => {});
    this.command.on('ready', () => {
      this.#socketReady = true;
      void this.#probe();
    });
    this.command.on('error', (err: Error) => this.#setDown(err.message));
    this.command.on('close', () => {
      this.#socketReady = false;
      this.#setDown(this.#error ?? 'connection closed');
    });
    this.command.on('end', () => this.#setDown('connection ended'));
    this.#probeTimer = setInterval(() => void this.#probe(), PROBE_EVERY_MS);
    this.#probeTimer.unref();
  }

  get connected(): boolean {
    return this.#connected;
  }

  status(prefix: string): ClusterQueue {
    return {
      connected: this.#connected,
      prefix,
      error: this.#connected
        ? null
        : {
            code: 'QUEUE_UNAVAILABLE',
            message: `cannot reach the job queue at ${redactUrl(this.url)}: ${this.#error ?? 'not connected'}`,
          },
    };
  }

  /** Throws 503 QUEUE_UNAVAILABLE while Redis cannot be reached. */
  ensure(): void {
    if (this.#connected) return;
    throw unavailable(`${this.status('').error?.message ?? 'queue unavailable'}; try again later`);
  }

  /**
   * Runs a Redis operation for a request: it answers within {@link REQUEST_DEADLINE_MS} or becomes 503
   * QUEUE_UNAVAILABLE (with Retry-After), as does any Redis failure (a refused write at `maxmemory` included).
   */
  async guard<T>(op: () => Promise<T>, deadlineMs = REQUEST_DEADLINE_MS): Promise<T> {
    this.ensure();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable(`the job queue did not answer within ${deadlineMs} ms; try again later`)),
        deadlineMs,
      );
    });
    const running = op();
    running.catch(() => {});
    try {
      return await Promise.race([running, late]);
    } catch (err) {
      if (err instanceof BastionError) throw err;
      this.logger.warn({ err }, 'cluster: a queue operation failed');
      throw unavailable(`the job queue failed: ${describeRedisError(err)}; try again later`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#probeTimer);
    // QUIT waits for an answer a frozen Redis never gives: disconnect after a short wait.
    await Promise.all(
      [this.command, this.blocking, this.subscriber].map((c) =>
        withDeadline(c.quit(), 1000).catch(() => c.disconnect()),
      ),
    );
  }

  /** PING: an answer other than PONG is a peer that is not Redis; no answer in time is an outage. */
  async #probe(): Promise<void> {
    if (this.#closed || this.#probing || !this.#socketReady) return;
    this.#probing = true;
    try {
      const pong: unknown = await this.command.ping();
      if (pong !== 'PONG') {
        this.#setDown('the peer does not answer PING like a Redis server');
        return;
      }
      this.#setUp();
    } catch (err) {
      this.#setDown(describeRedisError(err));
    } finally {
      this.#probing = false;
    }
  }

  #setUp(): void {
    if (this.#connected || this.#closed) return;
    this.#warned = false;
    const wasDown = this.#everConnected;
    this.#everConnected = true;
    this.#connected = true;
    this.#error = null;
    if (wasDown) this.logger.info(`cluster: job queue reachable again at ${redactUrl(this.url)}`);
    else this.logger.info(`cluster: connected to the job queue at ${redactUrl(this.url)}`);
    this.emit('up');
  }

  #setDown(reason: string): void {
    if (this.#closed) return;
    if (reason && reason !== 'connection closed') this.#error = reason;
    if (!this.#connected) {
      if (!this.#warned) {
        this.#warned = true;
        this.logger.error(
          `cluster: cannot reach the job queue at ${redactUrl(this.url)} (${this.#error}); jobs cannot be submitted until it is reachable; retrying`,
        );
      }
      return;
    }
    this.#connected = false;
    this.#warned = true;
    this.#error ??= 'connection closed';
    this.logger.error(
      `cluster: lost the job queue at ${redactUrl(this.url)} (${this.#error}); jobs cannot be submitted until it returns; direct tool calls keep working; reconnecting`,
    );
    this.emit('down', this.#error);
  }
}

function unavailable(message: string): BastionError {
  return new BastionError('QUEUE_UNAVAILABLE', message, { retryAfterS: RETRY_AFTER_S });
}

/** Redis's own error text (never the command's arguments), clipped. */
export function describeRedisError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Whether Redis refused a write because it is at `maxmemory` (noeviction). */
export function isOutOfMemory(err: unknown): boolean {
  return err instanceof Error && /\bOOM\b/.test(err.message);
}

/** Rejects when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
