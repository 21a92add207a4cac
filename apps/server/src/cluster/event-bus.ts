import type { Logger } from 'pino';
import type { JobEvents } from '../jobs/backend.js';
import type { ClusterKeys } from './keys.js';
import type { RedisLink } from './redis.js';

type Kind = keyof JobEvents;
interface Message {
  from: string;
  kind: Kind;
  payload: JobEvents[Kind][0];
}

/**
 * Job events between nodes over Redis pub/sub: a node publishes the status, progress and partial results of the
 * jobs it runs; every node hands the others' events to its own realtime hub. Cancel requests travel the same
 * way. Pub/sub is fire-and-forget: a client that missed events (e.g. during a Redis outage) reads the job.
 */
export class ClusterEventBus {
  #onEvent: ((kind: Kind, payload: JobEvents[Kind][0]) => void) | null = null;
  #onCancel: ((jobId: string) => void) | null = null;
  readonly #onMessage = (channel: string, text: string): void => {
    try {
      if (channel === this.keys.cancels) {
        const { job_id } = JSON.parse(text) as { job_id: string };
        this.#onCancel?.(job_id);
        return;
      }
      const msg = JSON.parse(text) as Message;
      if (msg.from !== this.nodeId()) this.#onEvent?.(msg.kind, msg.payload);
    } catch (err) {
      this.logger.warn({ err }, 'cluster: ignored a malformed pub/sub message');
    }
  };

  constructor(
    private readonly link: RedisLink,
    private readonly keys: ClusterKeys,
    private readonly nodeId: () => string,
    private readonly logger: Logger,
  ) {}

  /** Subscribes, without waiting for Redis (ioredis subscribes once connected, and again after a reconnect). */
  start(onEvent: (kind: Kind, payload: JobEvents[Kind][0]) => void, onCancel: (jobId: string) => void): void {
    this.#onEvent = onEvent;
    this.#onCancel = onCancel;
    this.link.subscriber.on('message', this.#onMessage);
    // Subscribe on every (re)connect: a subscribe issued while the connection was still coming up can be lost.
    this.link.subscriber.on('ready', this.#subscribe);
    if (this.link.subscriber.status === 'ready') this.#subscribe();
  }

  readonly #subscribe = (): void => {
    this.link.subscriber.subscribe(this.keys.events, this.keys.cancels).catch((err: unknown) => {
      this.logger.warn({ err }, 'cluster: could not subscribe to job events');
    });
  };

  publish<K extends Kind>(kind: K, payload: JobEvents[K][0]): void {
    if (!this.link.connected) return;
    const msg: Message = { from: this.nodeId(), kind, payload };
    this.link.command.publish(this.keys.events, JSON.stringify(msg)).catch(() => {});
  }

  async cancel(jobId: string): Promise<void> {
    await this.link.command.publish(this.keys.cancels, JSON.stringify({ job_id: jobId }));
  }

  stop(): void {
    this.link.subscriber.off('message', this.#onMessage);
    this.link.subscriber.off('ready', this.#subscribe);
    this.#onEvent = null;
    this.#onCancel = null;
  }
}
