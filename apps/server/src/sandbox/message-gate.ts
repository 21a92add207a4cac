import { FRAME_RATES, type WorkerToHost } from '@bastion/protocol';
import { TokenBucket } from './rate-limit.js';

/**
 * What becomes of one message from a worker: handled, dropped (over its soft rate: the host does no work for it),
 * or a protocol breach that ends the worker.
 */
export type Verdict = 'accept' | 'drop' | { breach: string };

type RatedType = keyof typeof FRAME_RATES;

class Rate {
  readonly #soft: TokenBucket;
  readonly #hard: TokenBucket;

  constructor(
    readonly type: RatedType,
    now: number,
  ) {
    const { soft, hard } = FRAME_RATES[type];
    this.#soft = new TokenBucket(soft, soft, now);
    this.#hard = new TokenBucket(hard, hard, now);
  }

  admit(now: number): Verdict {
    if (this.#soft.take(now)) return 'accept';
    if (this.#hard.take(now)) return 'drop';
    return { breach: `sent ${this.type} frames faster than ${FRAME_RATES[this.type].hard} a second` };
  }
}

/**
 * The host's view of where a worker is in the protocol, and how fast it talks. Everything a worker sends passes
 * here (after its shape was checked) before any host code acts on it: `ready` and `load_error` only while loading
 * and only once, `disposed` only after the host asked, call messages only once loaded, and the rated types within
 * FRAME_RATES. Which call an answer may be for is WorkerCalls' to check.
 */
export class MessageGate {
  #phase: 'loading' | 'loaded' | 'load-failed' = 'loading';
  #disposeSent = false;
  readonly #rates: Record<RatedType, Rate>;

  constructor(now: number) {
    this.#rates = {
      progress: new Rate('progress', now),
      partial: new Rate('partial', now),
      log: new Rate('log', now),
    };
  }

  /** The host asked the worker to dispose(): a `disposed` answer is expected now. */
  disposeSent(): void {
    this.#disposeSent = true;
  }

  admit(msg: WorkerToHost, now: number): Verdict {
    switch (msg.type) {
      case 'ready':
      case 'load_error':
        if (this.#phase !== 'loading') return { breach: `sent '${msg.type}' after its load had ended` };
        this.#phase = msg.type === 'ready' ? 'loaded' : 'load-failed';
        return 'accept';
      case 'disposed':
        return this.#disposeSent ? 'accept' : { breach: "sent 'disposed' without being asked to dispose" };
      case 'log':
        return this.#rates.log.admit(now);
      case 'progress':
      case 'partial':
        if (this.#phase !== 'loaded') return { breach: `sent '${msg.type}' before it was loaded` };
        return this.#rates[msg.type].admit(now);
      case 'result':
      case 'error':
        return this.#phase === 'loaded' ? 'accept' : { breach: `sent '${msg.type}' before it was loaded` };
    }
  }
}
