import { WebSocket } from 'ws';

export interface OutboundLimits {
  /** Stop handing messages to the socket while it has this many bytes unsent. */
  highWaterBytes: number;
  /** Most bytes / messages waiting in the connection's own queue. */
  maxQueueBytes: number;
  maxQueueMessages: number;
}

export const DEFAULT_OUTBOUND_LIMITS: OutboundLimits = {
  highWaterBytes: 512 * 1024,
  maxQueueBytes: 2 * 1024 * 1024,
  maxQueueMessages: 2000,
};

interface Item {
  data: string;
  droppable: boolean;
}

/**
 * The bounded send buffer of one WebSocket connection. Messages go straight to the socket while it keeps up;
 * otherwise they wait here. When the queue is over its limits, droppable messages (progress, partial results)
 * are shed oldest first; if only undroppable ones (status changes, errors) remain over the limit, the client is
 * hopeless and `onHopeless` closes it. Host memory per connection is bounded by highWater + maxQueueBytes.
 */
export class Outbound {
  readonly #queue: Item[] = [];
  #bytes = 0;
  #dropped = 0;
  #dead = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: OutboundLimits,
    private readonly onHopeless: () => void,
  ) {}

  /** Messages shed because the client read too slowly. */
  get dropped(): number {
    return this.#dropped;
  }

  get queuedBytes(): number {
    return this.#bytes;
  }

  get queuedMessages(): number {
    return this.#queue.length;
  }

  send(data: string, droppable: boolean): void {
    if (this.#dead || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.#queue.length === 0 && this.ws.bufferedAmount < this.limits.highWaterBytes) {
      this.#write(data);
      return;
    }
    this.#queue.push({ data, droppable });
    this.#bytes += data.length;
    if (this.#over(1)) this.#shed();
    this.#flush();
  }

  #over(fraction: number): boolean {
    return (
      this.#bytes > this.limits.maxQueueBytes * fraction || this.#queue.length > this.limits.maxQueueMessages * fraction
    );
  }

  /** Drops droppable messages, oldest first, down to 3/4 of the limits; gives up if that is not enough. */
  #shed(): void {
    for (let i = 0; i < this.#queue.length && this.#over(0.75);) {
      const item = this.#queue[i] as Item;
      if (item.droppable) {
        this.#queue.splice(i, 1);
        this.#bytes -= item.data.length;
        this.#dropped++;
      } else {
        i++;
      }
    }
    if (this.#over(1)) {
      this.#dead = true;
      this.#queue.length = 0;
      this.#bytes = 0;
      this.onHopeless();
    }
  }

  #write(data: string): void {
    this.ws.send(data, () => this.#flush());
  }

  #flush(): void {
    while (
      this.#queue.length &&
      !this.#dead &&
      this.ws.readyState === WebSocket.OPEN &&
      this.ws.bufferedAmount < this.limits.highWaterBytes
    ) {
      const item = this.#queue.shift() as Item;
      this.#bytes -= item.data.length;
      this.#write(item.data);
    }
  }

  /** Forgets everything queued (the connection is closing). */
  clear(): void {
    this.#dead = true;
    this.#queue.length = 0;
    this.#bytes = 0;
  }
}
