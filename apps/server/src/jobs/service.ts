import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { JobInput } from '@bastion/protocol';
import type { Logger } from 'pino';
import type { HostContext } from '../host-context.js';
import type { NodeIdentity } from '../node-identity.js';
import { BastionError } from '../errors/bastion-error.js';
import { isUnexpected, toCoded } from '../errors/coded.js';
import { ATTR } from '../tracing/attributes.js';
import type { JobBackend, JobEvents, JobListQuery, JobPage, JobView } from './backend.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { JobInputMeta } from './input.js';
import { JOB_CANCELLED, JOB_HOST_STOPPED, jobEnd } from './outcome.js';
import { applyProgress, BUSY_RETRY_MS } from './progress.js';
import { JobStore } from './store.js';

export type { JobEvents } from './backend.js';

interface Live {
  plugin: string;
  controller: AbortController;
  progress: number;
  stage: string | null;
  persistedAt: number;
  partials: number;
  /** Settles when the job has reached its final status. */
  done: Promise<void>;
}

/** How long DELETE waits for a running job to wind down (the runner kills the worker after a 2 s grace). */
const CANCEL_WAIT_MS = 10_000;

/**
 * Jobs: persisted submissions executed through the one ToolRunner path (mode `job`, `jobTimeoutMs`), with a
 * FIFO queue per plugin that hands at most `limits.concurrency` jobs at a time to the plugin's pool, so jobs
 * never fill the pool's own queue and starve direct calls. Emits status/progress/partial events for the
 * realtime hub. All state changes happen on the host's event loop (single writer).
 */
export class JobService extends EventEmitter<JobEvents> implements JobBackend {
  readonly mode = 'standalone' as const;
  readonly store: JobStore;
  readonly #queues = new Map<string, string[]>();
  readonly #live = new Map<string, Live>();
  readonly #runningPerPlugin = new Map<string, number>();
  readonly #retryTimers = new Map<string, NodeJS.Timeout>();
  #sweepTimer: NodeJS.Timeout | null = null;
  #started = false;
  #stopping = false;

  constructor(
    private readonly ctx: HostContext,
    private readonly logger: Logger,
    private readonly node: NodeIdentity,
  ) {
    super();
    this.store = new JobStore(ctx.config.dataDir);
    // Whatever a previous process left running can never finish: it died with that process.
    const interrupted = this.store.recoverInterrupted();
    if (interrupted.length)
      logger.warn(`jobs: marked ${interrupted.length} interrupted job(s) failed (HOST_RESTARTED)`);
    // A plugin that finishes (re)loading may have jobs waiting for it.
    ctx.registry.on('state', (e) => {
      if (this.#started && e.state !== 'LOADED') this.#dispatch(e.name);
    });
  }

  /** After startup loading: resume queued jobs (oldest first) and start the retention sweeper. */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    try {
      this.sweep();
      const orphans = this.store.removeOrphanFiles();
      if (orphans) this.logger.info(`jobs: removed ${orphans} orphaned input folder(s)`);
    } catch (err) {
      this.logger.error({ err }, 'jobs: retention sweep failed');
    }
    // The database is the truth: jobs submitted during loading are in it too.
    this.#queues.clear();
    const queued = this.store.queued();
    for (const job of queued) this.#enqueue(job.plugin, job.job_id, false);
    if (queued.length) this.logger.info(`jobs: resuming ${queued.length} queued job(s)`);
    for (const plugin of this.#queues.keys()) this.#dispatch(plugin);
    const retentionMs = this.ctx.config.file.jobRetentionHours * 3_600_000;
    const every = Math.max(1000, Math.min(10 * 60_000, retentionMs / 10));
    this.#sweepTimer = setInterval(() => {
      try {
        this.sweep();
      } catch (err) {
        this.logger.error({ err }, 'jobs: retention sweep failed');
      }
    }, every);
    this.#sweepTimer.unref();
  }

  /**
   * Stops taking and starting jobs, lets running ones finish within the shutdown grace, then marks the rest
   * failed with HOST_RESTARTED (they cannot survive the stop) and cancels their calls.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    for (const t of this.#retryTimers.values()) clearTimeout(t);
    this.#retryTimers.clear();
    const deadline = Date.now() + this.ctx.config.file.shutdownGraceMs;
    while (this.#live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const [id, live] of [...this.#live]) {
      this.#finish(id, 'failed', { error: JOB_HOST_STOPPED });
      live.controller.abort();
    }
    this.store.close();
  }

  /** Validates and stores a job, then queues it. Throws coded errors (404, 400, 503) for bad submissions. */
  async submit(plugin: string, tool: string, rawArgs: unknown, input?: JobInputMeta): Promise<JobView> {
    this.ctx.lifecycle.assertAccepting();
    if (this.#stopping) throw new BastionError('SHUTTING_DOWN', 'the server is stopping; submit the job again later');
    const { args } = this.ctx.runner.prepare(plugin, tool, rawArgs);
    const max = this.ctx.config.file.maxQueuedJobs;
    if (this.store.countQueued() >= max) {
      throw new BastionError('PLUGIN_BUSY', `${max} jobs are already queued (maxQueuedJobs); try again later`, {
        plugin,
        tool,
        retryAfterS: 5,
      });
    }
    const traceparent = this.ctx.tracing?.currentTraceparent() ?? null;
    const record = this.store.insert(randomUUID(), plugin, tool, args, input, traceparent);
    this.#emitStatus(record);
    this.#enqueue(plugin, record.job_id, true);
    return record;
  }

  /** What a job ran on; null if unknown. */
  async input(id: string): Promise<JobInput | null> {
    return this.store.input(id);
  }

  /** A job with its live progress; null if unknown. */
  async get(id: string): Promise<JobView | null> {
    return this.getSync(id);
  }

  getSync(id: string): JobView | null {
    const record = this.store.get(id);
    return record ? this.#overlay(record) : null;
  }

  async list(q: JobListQuery): Promise<JobPage> {
    const rows = this.store.list({
      status: q.status,
      plugin: q.plugin,
      limit: q.limit,
      beforeSeq: q.before === undefined ? undefined : decodeCursor(q.before),
    });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      jobs: page.map((r) => this.#overlay(r.record)),
      next_before: rows.length > q.limit && last ? encodeCursor(last.seq) : null,
    };
  }

  /** Standalone mode has no queue link to report. */
  queueStatus(): null {
    return null;
  }

  /**
   * Cancels a queued job at once, or a running one by aborting its call (the worker gets ctx.signal, and is
   * replaced — not counted as a failure — if it does not stop within the grace period); answers the job
   * afterwards. A job cancelled already is answered unchanged; one that succeeded or failed is a BAD_REQUEST.
   */
  async cancel(id: string): Promise<JobView> {
    const record = this.store.get(id);
    if (!record) throw new BastionError('JOB_NOT_FOUND', `no job '${id}'`);
    if (record.status === 'cancelled') return record;
    if (record.status === 'succeeded' || record.status === 'failed') {
      throw new BastionError(
        'BAD_REQUEST',
        `job '${id}' has already ${record.status}; only queued or running jobs can be cancelled`,
        {
          details: { status: record.status },
        },
      );
    }
    const live = this.#live.get(id);
    if (live) {
      live.controller.abort();
      await Promise.race([live.done, new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref())]);
    } else {
      const queue = this.#queues.get(record.plugin);
      const i = queue?.indexOf(id) ?? -1;
      if (queue && i >= 0) queue.splice(i, 1);
      this.#finish(id, 'cancelled', { error: JOB_CANCELLED });
    }
    return this.getSync(id) ?? record;
  }

  /** Deletes finished jobs (and their input files) older than jobRetentionHours. */
  sweep(now = Date.now()): number {
    if (this.store.closed) return 0;
    const cutoff = new Date(now - this.ctx.config.file.jobRetentionHours * 3_600_000).toISOString();
    const n = this.store.deleteFinishedBefore(cutoff);
    if (n) this.logger.info(`jobs: retention removed ${n} finished job(s)`);
    return n;
  }

  /** Jobs currently handed to the runner. */
  get runningCount(): number {
    return this.#live.size;
  }

  #overlay(record: JobView): JobView {
    const live = this.#live.get(record.job_id);
    if (!live || record.status !== 'running') return record;
    return { ...record, progress: live.progress, stage: live.stage };
  }

  #enqueue(plugin: string, id: string, dispatch: boolean): void {
    let queue = this.#queues.get(plugin);
    if (!queue) this.#queues.set(plugin, (queue = []));
    queue.push(id);
    if (dispatch) this.#dispatch(plugin);
  }

  /** Starts queued jobs of a plugin while it has fewer than `concurrency` running. */
  #dispatch(plugin: string): void {
    // Draining: queued jobs stay queued (resumed at the next start); only running ones get the grace.
    if (!this.#started || this.#stopping || this.ctx.lifecycle.draining || this.#retryTimers.has(plugin)) return;
    const queue = this.#queues.get(plugin);
    if (!queue?.length) return;
    if (!this.ctx.registry.has(plugin)) {
      for (const id of queue.splice(0)) {
        this.#finish(id, 'failed', {
          error: { code: 'PLUGIN_NOT_FOUND', message: `no plugin named '${plugin}' any more` },
        });
      }
      return;
    }
    // A plugin that is (re)loading gets its jobs once it has settled (see the 'state' listener).
    if (this.ctx.registry.state(plugin) === 'LOADED') return;
    const concurrency = Math.max(1, this.ctx.registry.limits(plugin).concurrency);
    while (queue.length && (this.#runningPerPlugin.get(plugin) ?? 0) < concurrency) {
      const id = queue.shift() as string;
      void this.#run(plugin, id);
    }
  }

  async #run(plugin: string, id: string): Promise<void> {
    let args: Record<string, unknown>;
    try {
      if (!this.store.markRunning(id, this.node.id)) return; // cancelled or finished meanwhile
      args = this.store.loadArgs(id);
    } catch (err) {
      this.logger.error({ err, job: id }, 'jobs: could not start job');
      this.#finish(id, 'failed', {
        error: { code: 'INVALID_INPUT', message: `the job's stored input could not be read: ${String(err)}` },
      });
      return;
    }
    const record = this.store.get(id);
    if (!record) return;
    let settle!: () => void;
    const live: Live = {
      plugin,
      controller: new AbortController(),
      progress: 0,
      stage: null,
      persistedAt: 0,
      partials: 0,
      done: new Promise<void>((r) => (settle = r)),
    };
    this.#live.set(id, live);
    this.#runningPerPlugin.set(plugin, (this.#runningPerPlugin.get(plugin) ?? 0) + 1);
    this.#emitStatus(record);
    let requeued = false;
    const run = () => {
      const call = this.ctx.runner.prepare(plugin, record.tool, args);
      return this.ctx.runner.run(call, {
        mode: 'job',
        signal: live.controller.signal,
        onProgress: (pct, stage) => this.#onProgress(id, live, pct, stage),
        onPartial: (resultJson) => {
          if (this.#live.get(id) !== live) return;
          this.emit('partial', { job_id: id, index: live.partials++, resultJson, plugin });
        },
      });
    };
    const tracing = this.ctx.tracing;
    try {
      const { resultJson } = await (tracing
        ? tracing.inSpan(
            `bastion.job ${plugin}/${record.tool}`,
            this.store.traceparent(id),
            { [ATTR.jobId]: id, [ATTR.plugin]: plugin, [ATTR.tool]: record.tool, [ATTR.node]: this.node.id },
            run,
          )
        : run());
      this.#finish(id, 'succeeded', { resultJson, progress: 100, stage: live.stage });
    } catch (err) {
      const e = toCoded(err);
      if (isUnexpected(e)) this.logger.error({ err: e, job: id }, 'jobs: unexpected error');
      const end = jobEnd(e, { aborted: live.controller.signal.aborted, stopping: this.#stopping });
      if (end.kind === 'busy' && this.store.requeue(id)) {
        // The plugin's own queue is full of direct calls: wait a little and retry, first in line.
        requeued = true;
        this.#queues.get(plugin)?.unshift(id);
        this.#emitStatus(this.store.get(id));
      } else if (end.kind === 'cancelled') {
        this.#finish(id, 'cancelled', { error: end.error });
      } else if (end.kind === 'host-stopped') {
        // Cut by the shutdown grace: the documented job code for a stop of the host.
        this.#finish(id, 'failed', { error: JOB_HOST_STOPPED });
      } else {
        this.#finish(id, 'failed', { error: end.kind === 'failed' ? end.error : { code: e.code, message: e.message } });
      }
    } finally {
      this.#live.delete(id);
      this.#runningPerPlugin.set(plugin, Math.max(0, (this.#runningPerPlugin.get(plugin) ?? 1) - 1));
      settle();
      if (requeued && !this.#stopping) {
        this.#retryTimers.set(
          plugin,
          setTimeout(() => {
            this.#retryTimers.delete(plugin);
            this.#dispatch(plugin);
          }, BUSY_RETRY_MS),
        );
      } else {
        this.#dispatch(plugin);
      }
    }
  }

  #onProgress(id: string, live: Live, pct: number, stage: string | null): void {
    if (this.#live.get(id) !== live) return;
    const persist = applyProgress(live, pct, stage);
    if (persist === null) return;
    if (persist && !this.store.closed) this.store.saveProgress(id, live.progress, live.stage);
    this.emit('progress', { job_id: id, progress: live.progress, stage: live.stage, plugin: live.plugin });
  }

  #finish(
    id: string,
    status: 'succeeded' | 'failed' | 'cancelled',
    outcome: {
      resultJson?: string;
      error?: { code: string; message: string };
      progress?: number;
      stage?: string | null;
    },
  ): void {
    if (this.store.closed) return;
    const live = this.#live.get(id);
    const changed = this.store.finish(id, status, {
      ...outcome,
      progress: outcome.progress ?? live?.progress,
      stage: outcome.stage ?? live?.stage ?? null,
    });
    if (changed) this.#emitStatus(this.store.get(id));
  }

  #emitStatus(record: JobView | null): void {
    if (!record) return;
    this.emit('status', { job_id: record.job_id, status: record.status, error: record.error, plugin: record.plugin });
  }
}
