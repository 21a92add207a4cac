import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { ClusterQueue } from '@bastion/protocol';
import type { Logger } from 'pino';
import { BastionError } from '../errors/bastion-error.js';

/** The queue URL with any password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The node's connections to Redis: `command` for requests (fails fast while Redis is down, so an HTTP request
 * never hangs), `blocking` for BullMQ workers (waits and retries, as BullMQ requires) and `subscriber` for
 * pub/sub. ioredis reconnects by itself; this tracks whether the link is up and says so once per outage.
 */
export class RedisLink extends EventEmitter<{ up: []; down: [string] }> {
  readonly command: Redis;
  readonly blocking: Redis;
  readonly subscriber: Redis;
  #connected = false;
  #error: string | null = 'connecting';
  #closed = false;
  #warned = false;
  #everConnected = false;

  constructor(
    readonly url: string,
    private readonly logger: Logger,
  ) {
    super();
    const base: RedisOptions = {
      connectionName: 'bastion',
      // Reconnect forever, at most every 2 s.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
    };
    this.command = new Redis(url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.blocking = new Redis(url, { ...base, maxRetriesPerRequest: null });
    this.subscriber = new Redis(url, { ...base, maxRetriesPerRequest: null });
    for (const conn of [this.blocking, this.subscriber]) conn.on('error', () => {});
    this.command.on('ready', () => this.#setUp());
    this.command.on('error', (err: Error) => this.#setDown(err.message));
    this.command.on('close', () => this.#setDown(this.#error ?? 'connection closed'));
    this.command.on('end', () => this.#setDown('connection ended'));
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
    throw new BastionError(
      'QUEUE_UNAVAILABLE',
      `${this.status('').error?.message ?? 'queue unavailable'}; try again later`,
      {
        retryAfterS: 2,
      },
    );
  }

  /** Runs a Redis operation for a request: a Redis failure becomes 503 QUEUE_UNAVAILABLE. */
  async guard<T>(op: () => Promise<T>): Promise<T> {
    this.ensure();
    try {
      return await op();
    } catch (err) {
      if (err instanceof BastionError) throw err;
      this.logger.warn({ err }, 'cluster: a queue operation failed');
      throw new BastionError('QUEUE_UNAVAILABLE', `the job queue failed: ${(err as Error).message}; try again later`, {
        retryAfterS: 2,
      });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.command, this.blocking, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }

  #setUp(): void {
    if (this.#connected) return;
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
