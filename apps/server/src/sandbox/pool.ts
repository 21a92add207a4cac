import type { Limits } from '@bastion/protocol';
import { BastionError } from '../errors/bastion-error.js';
import type { WorkerDeath } from './death.js';
import { LoadFailure } from './load-failure.js';
import type { WorkerToolInfo } from './messages.js';
import { NotStarted, type CallOptions } from './worker-calls.js';
import type { WorkerOptions, WorkerProcess } from './worker-process.js';

export interface PoolCallbacks {
  /** A worker died of a plugin failure (crash, memory, timeout): the plugin becomes FAILED. */
  onFailure(death: WorkerDeath): void;
  /** A replacement worker (after a cancelled call) failed to load. */
  onReloadFailure(err: LoadFailure): void;
  onQueueDepth(depth: number): void;
  onMemoryPeak(mb: number): void;
}

export type WorkerFactory = (onDeath: WorkerOptions['onDeath']) => WorkerProcess;

/**
 * Why a pool stops. `shutdown`: the server is draining, so queued calls still get a worker until the grace ends and
 * what is cut then is answered SHUTTING_DOWN. `restart`/`failure`: the queue is refused at once.
 */
export type StopCause = 'shutdown' | 'restart' | 'failure';

/** A call waiting for a worker. */
interface Waiter {
  /** Arrival order: calls a dying worker hands back return to the queue in this order. */
  seq: number;
  tool: string;
  args: Record<string, unknown>;
  opts: CallOptions;
  resolve: (json: string) => void;
  reject: (err: Error) => void;
  onAbort: () => void;
}

/**
 * The workers of one plugin (`concurrency` processes) and its bounded queue (`maxQueue`). A worker runs one call
 * at a time; while all are busy with short calls, a worker may also hold the next call to start (WorkerCalls), and
 * such calls count as queued. The first plugin failure breaks the pool: queued calls are refused and the survivors
 * are disposed.
 */
export class PluginPool {
  readonly #workers = new Set<WorkerProcess>();
  /** Loaded workers that take calls, busy or not. */
  readonly #live: WorkerProcess[] = [];
  readonly #queue: Waiter[] = [];
  #reportedDepth = 0;
  #nextSeq = 0;
  #broken: BastionError | null = null;
  #stopping: StopCause | null = null;
  /** Workers whose load finished; deaths of the others are load failures, reported by start(). */
  readonly #ready = new WeakSet<WorkerProcess>();

  constructor(
    private readonly pluginId: string,
    private readonly limits: Limits,
    private readonly factory: WorkerFactory,
    private readonly callbacks: PoolCallbacks,
  ) {}

  /** Calls waiting: in the pool's queue, and handed to a busy worker but not started. */
  get queueDepth(): number {
    let depth = this.#queue.length;
    for (const w of this.#live) depth += w.waiting;
    return depth;
  }

  /** Starts `concurrency` workers and loads the plugin in each; resolves with its tools. */
  async start(): Promise<WorkerToolInfo[]> {
    const workers = Array.from({ length: this.limits.concurrency }, () => this.#spawn());
    const results = await Promise.allSettled(workers.map((w) => w.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop(0);
      throw failed.reason instanceof LoadFailure
        ? failed.reason
        : new LoadFailure('LOAD_CRASHED', String(failed.reason));
    }
    for (const w of workers) {
      this.#ready.add(w);
      this.#live.push(w);
      this.#release(w);
    }
    return (results[0] as PromiseFulfilledResult<WorkerToolInfo[]>).value;
  }

  /** Runs a call on the next free worker, queueing it (bounded) while all are busy. */
  run(tool: string, args: Record<string, unknown>, opts: CallOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        seq: this.#nextSeq++,
        tool,
        args,
        opts,
        resolve,
        reject,
        onAbort: () => this.#dequeue(waiter),
      };
      this.#dispatch(waiter, false);
    });
  }

  /**
   * Refuses new work, lets calls in flight (and, on shutdown, those already queued) finish for up to graceMs, then
   * cuts what is left and disposes every worker.
   */
  async stop(graceMs: number, cause: StopCause = 'restart'): Promise<void> {
    this.#stopping ??= cause;
    if (cause !== 'shutdown') this.#rejectQueue(this.#stoppingError());
    const deadline = Date.now() + graceMs;
    const busy = (): boolean => this.#queue.length > 0 || [...this.#workers].some((w) => w.busy);
    while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.#rejectQueue(this.#stoppingError());
    await Promise.all(
      [...this.#workers].map(async (w) => {
        if (w.busy) {
          if (cause === 'shutdown')
            w.kill('shutdown', `the server is shutting down; the call was cut after the ${graceMs} ms shutdown grace`);
          else w.kill('disposed', 'stop grace period over');
        }
        await w.dispose(Math.max(100, Math.min(2000, deadline - Date.now())));
      }),
    );
  }

  #stoppingError(): BastionError {
    if (this.#stopping === 'shutdown') {
      return new BastionError('SHUTTING_DOWN', 'the server is shutting down; retry on another instance or later', {
        plugin: this.pluginId,
      });
    }
    return new BastionError('PLUGIN_UNAVAILABLE', `plugin '${this.pluginId}' is stopping`, { plugin: this.pluginId });
  }

  #spawn(): WorkerProcess {
    const worker = this.factory((death, w) => this.#onDeath(death, w));
    this.#workers.add(worker);
    return worker;
  }

  /** The worker for the next call: an idle one, else a busy one that may hold it (see WorkerCalls), else none. */
  #pick(): WorkerProcess | undefined {
    for (const w of this.#live) if (!w.busy) return w;
    const now = performance.now();
    return this.#live.find((w) => w.canTakeAnother(now));
  }

  /**
   * Starts a call on a worker now or queues it. `again`: its worker went away before starting it, so it goes first
   * in line and is not counted against maxQueue a second time.
   */
  #dispatch(waiter: Waiter, again: boolean): void {
    if (this.#broken) return waiter.reject(this.#broken);
    if (this.#stopping) return waiter.reject(this.#stoppingError());
    if (this.#queue.length === 0 || again) {
      const worker = this.#pick();
      if (worker) return this.#startOn(worker, waiter);
    }
    if (!again && this.queueDepth >= this.limits.maxQueue) {
      return waiter.reject(
        new BastionError('PLUGIN_BUSY', `plugin '${this.pluginId}' has ${this.queueDepth} calls queued (maxQueue)`, {
          plugin: this.pluginId,
          retryAfterS: 1,
        }),
      );
    }
    if (waiter.opts.signal?.aborted) return waiter.reject(new BastionError('CANCELLED', 'the call was cancelled'));
    waiter.opts.signal?.addEventListener('abort', waiter.onAbort, { once: true });
    if (again) {
      // Ahead of every call that arrived after it, so calls handed back keep their order.
      const at = this.#queue.findIndex((w) => w.seq > waiter.seq);
      this.#queue.splice(at < 0 ? this.#queue.length : at, 0, waiter);
    } else {
      this.#queue.push(waiter);
    }
    this.#reportDepth();
  }

  #dequeue(waiter: Waiter): void {
    const i = this.#queue.indexOf(waiter);
    if (i >= 0) this.#queue.splice(i, 1);
    this.#reportDepth();
    waiter.reject(new BastionError('CANCELLED', 'the call was cancelled while queued'));
  }

  /** Hands the call to the worker at once, so its place there is taken before anything else runs. */
  #startOn(worker: WorkerProcess, waiter: Waiter): void {
    worker.call(waiter.tool, waiter.args, waiter.opts).then(
      (json) => {
        if (worker.alive) this.#release(worker);
        waiter.resolve(json);
      },
      (err: unknown) => {
        if (worker.alive) this.#release(worker);
        if (err instanceof NotStarted) this.#dispatch(waiter, true);
        else waiter.reject(err as Error);
      },
    );
    this.#reportDepth();
  }

  /** A worker has room again (a call ended, or it is new): queued calls go to it while it can take them. */
  #release(worker: WorkerProcess): void {
    while (this.#queue.length > 0 && (!worker.busy || worker.canTakeAnother(performance.now()))) {
      const next = this.#queue.shift() as Waiter;
      next.opts.signal?.removeEventListener('abort', next.onAbort);
      this.#startOn(worker, next);
    }
    this.#reportDepth();
  }

  /** Tells the registry the queue depth when it changed. */
  #reportDepth(): void {
    const depth = this.queueDepth;
    if (depth === this.#reportedDepth) return;
    this.#reportedDepth = depth;
    this.callbacks.onQueueDepth(depth);
  }

  #rejectQueue(err: BastionError): void {
    for (const w of this.#queue.splice(0)) {
      w.opts.signal?.removeEventListener('abort', w.onAbort);
      w.reject(err);
    }
    this.#reportDepth();
  }

  #onDeath(death: WorkerDeath, worker: WorkerProcess): void {
    this.#workers.delete(worker);
    const i = this.#live.indexOf(worker);
    if (i >= 0) this.#live.splice(i, 1);
    if (this.#stopping || this.#broken || death.kind === 'disposed' || !this.#ready.has(worker)) return;
    if (death.kind === 'replaced') {
      void this.#replace();
      return;
    }
    this.#broken = new BastionError('PLUGIN_FAILED', `plugin '${this.pluginId}' failed: ${death.message}`, {
      plugin: this.pluginId,
    });
    this.#rejectQueue(this.#broken);
    this.callbacks.onFailure(death);
    // The survivors finish what they are doing, then go.
    void this.stop(this.limits.timeoutMs, 'failure');
  }

  /** Host-initiated replacement (a cancelled call): not a failure; the plugin keeps its state. */
  async #replace(): Promise<void> {
    const worker = this.#spawn();
    try {
      await worker.start();
      this.#ready.add(worker);
      this.#live.push(worker);
      if (this.#stopping || this.#broken) await worker.dispose(1000);
      else this.#release(worker);
    } catch (err) {
      if (this.#stopping || this.#broken) return;
      const failure = err instanceof LoadFailure ? err : new LoadFailure('LOAD_CRASHED', String(err));
      this.#broken = new BastionError(
        'PLUGIN_FAILED',
        `plugin '${this.pluginId}' failed to reload: ${failure.message}`,
      );
      this.#rejectQueue(this.#broken);
      this.callbacks.onReloadFailure(failure);
      void this.stop(this.limits.timeoutMs, 'failure');
    }
  }
}
