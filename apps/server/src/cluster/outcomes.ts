import type { Logger } from 'pino';
import type { ClusterJobRecords, FinalStatus, Outcome } from './job-records.js';
import { describeRedisError, isOutOfMemory } from './redis.js';

/** How often a refused outcome is written again. */
const RETRY_EVERY_MS = 1000;
/**
 * How long Redis may refuse a result for lack of memory (`maxmemory`, noeviction) before the job is failed with
 * QUEUE_UNAVAILABLE instead (a short error fits where the result did not). An unreachable Redis never degrades
 * an outcome: it is written as it is once Redis answers.
 */
export const OOM_DEGRADE_AFTER_MS = 10_000;

interface Pending {
  /** Settles once the outcome is written or dropped (another run owns the job). */
  settled: Promise<void>;
  settle: () => void;
  id: string;
  plugin: string;
  run: string;
  status: FinalStatus;
  outcome: Outcome;
  since: number;
  lastError: string;
}

/** What became of an outcome once it reached Redis (a pending one is reported when it lands). */
export type Written = (id: string, plugin: string, status: FinalStatus, outcome: Outcome) => void;

/**
 * Writes the final status of the jobs this node ran. A write Redis refuses (unreachable, frozen, at `maxmemory`)
 * is kept here and retried every second, so a job whose run finished is never left `running`: its outcome lands
 * once Redis accepts writes, or — when only the result does not fit in Redis's memory — the job fails with
 * QUEUE_UNAVAILABLE. Outcomes still pending when the node stops are lost with it; the reconciler on another node
 * runs those jobs again (at-least-once).
 */
export class OutcomeWriter {
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | null = null;
  #retrying = false;

  constructor(
    private readonly records: ClusterJobRecords,
    private readonly nodeId: () => string,
    private readonly written: Written,
    private readonly logger: Logger,
  ) {}

  /** Jobs whose outcome waits for Redis. */
  get pendingIds(): string[] {
    return [...this.#pending.keys()];
  }

  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /** Resolves once the job's pending outcome is written or dropped (at once when none is pending). */
  settled(id: string): Promise<void> {
    return this.#pending.get(id)?.settled ?? Promise.resolve();
  }

  /** Writes the outcome now, or keeps it for a retry: 'written', 'skipped' (another run owns the job) or 'pending'. */
  async write(
    id: string,
    plugin: string,
    run: string,
    status: FinalStatus,
    outcome: Outcome,
  ): Promise<'written' | 'skipped' | 'pending'> {
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    const p: Pending = { settled, settle, id, plugin, run, status, outcome, since: Date.now(), lastError: '' };
    return this.#attempt(p);
  }

  async #attempt(p: Pending): Promise<'written' | 'skipped' | 'pending'> {
    try {
      const changed = await this.records.finish(p.id, p.run, p.status, p.outcome);
      if (this.#pending.get(p.id) === p) {
        this.#pending.delete(p.id);
        if (changed) this.logger.info(`cluster: job ${p.id} reached ${p.status} once Redis accepted its outcome`);
      }
      p.settle();
      if (changed) this.written(p.id, p.plugin, p.status, p.outcome);
      return changed ? 'written' : 'skipped';
    } catch (err) {
      p.lastError = describeRedisError(err);
      if (isOutOfMemory(err) && p.outcome.resultJson !== undefined && Date.now() - p.since >= OOM_DEGRADE_AFTER_MS) {
        // The result itself does not fit: keep the job's end, drop the result.
        p.status = 'failed';
        p.outcome = {
          error: {
            code: 'QUEUE_UNAVAILABLE',
            message: `the job finished on node ${this.nodeId()}, but Redis refused to store its result for ${OOM_DEGRADE_AFTER_MS / 1000} s (${p.lastError}); raise Redis's maxmemory or lower the result size, and submit it again`,
          },
          ...(p.outcome.progress === undefined ? {} : { progress: p.outcome.progress }),
        };
      }
      if (this.#pending.get(p.id) !== p) {
        this.#pending.get(p.id)?.settle(); // an older run's outcome: this run replaces it
        this.#pending.set(p.id, p);
        this.logger.warn(
          `cluster: Redis refused the outcome of job ${p.id} (${p.lastError}); retrying every ${RETRY_EVERY_MS / 1000} s`,
        );
      }
      this.#schedule();
      return 'pending';
    }
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#retryAll(), RETRY_EVERY_MS);
    this.#timer.unref();
  }

  async #retryAll(): Promise<void> {
    if (this.#retrying) return;
    this.#retrying = true;
    try {
      for (const p of [...this.#pending.values()]) await this.#attempt(p);
    } finally {
      this.#retrying = false;
      if (this.#pending.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    }
  }

  /** On stop: one last try; what still cannot be written is left to the reconciler of another node. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#pending.size) await this.#retryAll();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#pending.size) {
      this.logger.error(
        `cluster: stopping with ${this.#pending.size} job outcome(s) Redis has not accepted (${[...this.#pending.keys()].join(', ')}); another node will run them again`,
      );
    }
  }
}
