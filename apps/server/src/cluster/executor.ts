import { DelayedError, WaitingError, Worker, type Job } from 'bullmq';
import type { ErrorCode, JobStatus } from '@bastion/protocol';
import type { Logger } from 'pino';
import type { HostContext } from '../host-context.js';
import type { QueueSettings } from '../config/schema.js';
import { isUnexpected, toCoded } from '../errors/coded.js';
import type { JobEvents } from '../jobs/backend.js';
import { JOB_CANCELLED, jobEnd } from '../jobs/outcome.js';
import { applyProgress, BUSY_RETRY_MS } from '../jobs/progress.js';
import { ATTR } from '../tracing/attributes.js';
import type { ClusterEventBus } from './event-bus.js';
import type { NodeIdentity } from '../node-identity.js';
import type { InputRefs, JobInputs } from './inputs.js';
import type { ClusterJobRecords, FinalStatus, Outcome } from './job-records.js';
import type { ClusterKeys } from './keys.js';
import { OOM_DEGRADE_AFTER_MS, OutcomeWriter } from './outcomes.js';
import type { RedisLink } from './redis.js';

/** What a BullMQ job of Bastion carries (the record itself lives in {@link ClusterJobRecords}). */
export interface QueuedJobData {
  tool: string;
  inputs: InputRefs;
  /** The W3C trace context the job was submitted in (tracing on), so its run joins that trace on any node. */
  traceparent?: string;
}

interface LiveRun {
  plugin: string;
  controller: AbortController;
  /** Set on a clean shutdown: the job goes back to the queue instead of failing. */
  handback: boolean;
  progress: number;
  stage: string | null;
  persistedAt: number;
  partials: number;
  done: Promise<void>;
}

export interface ExecutorDeps {
  ctx: HostContext;
  link: RedisLink;
  keys: ClusterKeys;
  records: ClusterJobRecords;
  inputs: JobInputs;
  bus: ClusterEventBus;
  identity: NodeIdentity;
  settings: QueueSettings;
  logger: Logger;
  /** Hands an event to this node's listeners (the realtime hub); the executor also publishes it to peers. */
  emit: <K extends keyof JobEvents>(kind: K, payload: JobEvents[K][0]) => void;
}

/**
 * Runs this node's share of the cluster's jobs: one BullMQ Worker per plugin that is available here
 * (INITIALIZED or RUNNING) with the plugin's `concurrency`; a plugin that becomes UNAVAILABLE, FAILED or is
 * reloading pauses its Worker, so its queue is left to other nodes, and resumes when the plugin is back.
 * Each job goes through the same ToolRunner path as a standalone job (mode `job`, `jobTimeoutMs`, sandbox).
 * BullMQ's lock, renewed while a job runs, is what tells the other nodes this one is alive: a node that dies
 * stops renewing it, and after `stalledIntervalMs` another node's stalled check puts the job back in the queue.
 */
export class JobExecutor {
  readonly live = new Map<string, LiveRun>();
  readonly #workers = new Map<string, Worker<QueuedJobData, null>>();
  readonly #outcomes: OutcomeWriter;
  /** Settles when the node begins to stop (nothing waits on Redis past that). */
  readonly #stopped: Promise<void>;
  #markStopped!: () => void;
  #started = false;
  #stopping = false;
  #drainWatch: NodeJS.Timeout | null = null;
  readonly #onState = (e: { name: string }): void => this.#sync(e.name);
  /** Redis came back (or went away): take jobs again, or stop asking a queue that cannot answer. */
  readonly #onLink = (): void => {
    for (const name of this.d.ctx.registry.names()) this.#sync(name);
  };

  constructor(private readonly d: ExecutorDeps) {
    this.#stopped = new Promise<void>((r) => (this.#markStopped = r));
    this.#outcomes = new OutcomeWriter(
      d.records,
      () => d.identity.id,
      (id, plugin, status, outcome) => {
        this.#emitStatus(id, plugin, status, outcome.error ?? null);
        void d.inputs.remove(id);
      },
      d.logger,
    );
  }

  /** Jobs this node answers for: running here, or finished here with an outcome Redis has not accepted yet. */
  ownedIds(): string[] {
    return [...this.live.keys(), ...this.#outcomes.pendingIds];
  }

  owns(id: string): boolean {
    return this.live.has(id) || this.#outcomes.has(id);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.d.ctx.registry.on('state', this.#onState);
    this.d.link.on('up', this.#onLink);
    this.d.link.on('down', this.#onLink);
    for (const name of this.d.ctx.registry.names()) this.#sync(name);
    // A draining node (SIGTERM) takes no new jobs: pause at once rather than fetch and hand back.
    this.#drainWatch = setInterval(() => {
      if (this.d.ctx.lifecycle.draining) this.#pauseAll();
    }, 100);
    this.#drainWatch.unref();
  }

  #pauseAll(): void {
    if (this.#drainWatch) clearInterval(this.#drainWatch);
    this.#drainWatch = null;
    for (const w of this.#workers.values()) if (!w.isPaused()) void w.pause(true).catch(() => {});
  }

  /** Aborts a job if it runs here (a cancel from any node); true when it did. */
  abort(jobId: string): boolean {
    const live = this.live.get(jobId);
    live?.controller.abort();
    return live !== undefined;
  }

  /** The live progress of a job running here, if any. */
  progressOf(jobId: string): { progress: number; stage: string | null } | null {
    const live = this.live.get(jobId);
    return live ? { progress: live.progress, stage: live.stage } : null;
  }

  /**
   * Takes no new jobs, lets running ones finish within `graceMs`, then hands the rest back to the queue at once
   * (another node restarts them) instead of leaving them for the stalled check.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#markStopped();
    this.#pauseAll();
    this.d.ctx.registry.off('state', this.#onState);
    this.d.link.off('up', this.#onLink);
    this.d.link.off('down', this.#onLink);
    await Promise.all([...this.#workers.values()].map((w) => w.pause(true).catch(() => {})));
    const deadline = Date.now() + graceMs;
    while (this.live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const left = [...this.live.values()];
    for (const run of left) {
      run.handback = true;
      run.controller.abort();
    }
    if (left.length) {
      this.d.logger.info(`cluster: handing ${left.length} running job(s) back to the queue`);
      await Promise.race([Promise.all(left.map((r) => r.done)), new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    // Closing a worker talks to Redis: with Redis unreachable or frozen, give it a moment only.
    await Promise.race([
      Promise.all([...this.#workers.values()].map((w) => w.close().catch(() => {}))),
      new Promise((r) => setTimeout(r, this.d.link.connected ? 5000 : 1000).unref()),
    ]);
    this.#workers.clear();
    await this.#outcomes.stop();
  }

  #sync(plugin: string): void {
    if (!this.#started || this.#stopping || this.d.ctx.lifecycle.draining) return;
    const state = this.d.ctx.registry.state(plugin);
    const available = state === 'INITIALIZED' || state === 'RUNNING';
    const worker = this.#workers.get(plugin);
    if (!this.d.link.connected) {
      // Unreachable, frozen or not Redis at all: a worker polling it would only churn (or, against a peer that
      // echoes, read garbage as jobs). Running jobs go on; their outcomes wait for Redis (OutcomeWriter).
      if (worker && !worker.isPaused()) void worker.pause(true).catch(() => {});
      return;
    }
    if (available) {
      const concurrency = Math.max(1, this.d.ctx.registry.limits(plugin).concurrency);
      if (!worker) {
        this.#workers.set(plugin, this.#createWorker(plugin, concurrency));
        return;
      }
      if (worker.concurrency !== concurrency) worker.concurrency = concurrency;
      if (worker.isPaused()) {
        this.d.logger.info(`cluster: plugin ${plugin} is available again; taking its jobs`);
        worker.resume().catch(() => {});
      }
    } else if (worker && !worker.isPaused()) {
      this.d.logger.info(`cluster: plugin ${plugin} is ${state ?? 'gone'}; leaving its jobs to other nodes`);
      void worker.pause(true).catch(() => {});
    }
  }

  #createWorker(plugin: string, concurrency: number): Worker<QueuedJobData, null> {
    const { settings } = this.d;
    const worker = new Worker<QueuedJobData, null>(plugin, (job, token) => this.#process(plugin, job, token ?? ''), {
      connection: this.d.link.blocking,
      prefix: this.d.keys.bullPrefix,
      concurrency,
      // The lock is renewed every lockDuration / 2 while the job runs; once a dead node's lock expires, the
      // next stalled check (on any node, every half lock) moves the job back to the queue: a dead node's job
      // moves on within 1.5 x stalledIntervalMs (7.5 s by default).
      lockDuration: settings.stalledIntervalMs,
      stalledInterval: Math.max(100, Math.floor(settings.stalledIntervalMs / 2)),
      // Node deaths are counted by Bastion (queue.maxNodeDeaths), which fails the job with a coded error.
      maxStalledCount: 1_000_000,
      // Seconds a worker blocks waiting for a job before it looks again.
      drainDelay: 2,
    });
    worker.on('error', (err) => this.d.logger.debug({ err, plugin }, 'cluster: worker error'));
    worker.on('stalled', (jobId) =>
      this.d.logger.warn(`cluster: job ${jobId} (${plugin}) lost its node; it goes back to the queue for another`),
    );
    return worker;
  }

  async #process(plugin: string, job: Job<QueuedJobData, null>, token: string): Promise<null> {
    const id = job.id ?? '';
    const { records, identity, settings, logger } = this.d;
    const data = job.data as Partial<QueuedJobData> | undefined;
    if (typeof data?.tool !== 'string' || typeof data.inputs !== 'object' || data.inputs === null) {
      // Not a job Bastion wrote (a peer that is not Redis answered, or foreign keys under our prefix): skip it.
      logger.debug({ job: id, plugin }, 'cluster: ignored a queue entry that is not a Bastion job');
      return null;
    }
    const run = `${identity.id}|${token}`;
    if (this.d.ctx.lifecycle.draining || this.#stopping) {
      // Fetched as the node began to stop: straight back to the queue, unclaimed.
      this.#pauseAll();
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const attempts = await records.start(id, identity.id, run);
    if (attempts === 0) return null; // finished or gone meanwhile
    if (attempts === -1) {
      this.#emitStatus(id, plugin, 'cancelled', JOB_CANCELLED);
      await this.d.inputs.remove(id);
      return null;
    }
    const maxAttempts = 1 + settings.maxNodeDeaths + settings.pluginFailureRetries;
    if (attempts > maxAttempts) {
      await this.#finish(id, plugin, run, 'failed', {
        error: {
          code: 'HOST_RESTARTED',
          message: `the job was started ${attempts - 1} times and the node running it stopped each time (queue.maxNodeDeaths ${settings.maxNodeDeaths}); submit it again`,
        },
      });
      return null;
    }
    let settle!: () => void;
    const live: LiveRun = {
      plugin,
      controller: new AbortController(),
      handback: false,
      progress: 0,
      stage: null,
      persistedAt: 0,
      partials: 0,
      done: new Promise<void>((r) => (settle = r)),
    };
    this.live.set(id, live);
    this.#emitStatus(id, plugin, 'running', null);
    try {
      // A cancel that arrived between the claim and now was published before we listened for it.
      if (await records.cancelAsked(id)) live.controller.abort();
      const args = await this.d.inputs.load(id, job.data.inputs);
      const call = () => {
        const { runner } = this.d.ctx;
        return runner.run(runner.prepare(plugin, job.data.tool, args), {
          mode: 'job',
          signal: live.controller.signal,
          onProgress: (pct, stage) => this.#onProgress(id, run, live, pct, stage),
          onPartial: (resultJson) => {
            if (this.live.get(id) !== live) return;
            this.d.emit('partial', { job_id: id, index: live.partials++, resultJson, plugin });
          },
        });
      };
      const tracing = this.d.ctx.tracing;
      const { resultJson } = await (tracing
        ? tracing.inSpan(
            `bastion.job ${plugin}/${job.data.tool}`,
            job.data.traceparent ?? null,
            { [ATTR.jobId]: id, [ATTR.plugin]: plugin, [ATTR.tool]: job.data.tool, [ATTR.node]: identity.id },
            call,
          )
        : call());
      await this.#finish(id, plugin, run, 'succeeded', { resultJson, progress: 100, stage: live.stage });
      return null;
    } catch (err) {
      const e = toCoded(err);
      if (isUnexpected(e)) logger.error({ err: e, job: id }, 'cluster: unexpected error running a job');
      const end = jobEnd(e, {
        aborted: live.controller.signal.aborted,
        stopping: this.#stopping,
        handedBack: live.handback,
      });
      if (end.kind === 'host-stopped') {
        // Clean shutdown (the call was cut by the shutdown grace): back to the queue at once, for another node;
        // this start still counts as an attempt.
        await records.requeue(id, run, false);
        await job.moveToWait(token);
        this.#emitStatus(id, plugin, 'queued', null);
        throw new WaitingError();
      }
      if (end.kind === 'busy') {
        // The plugin's own queue is full of direct calls here: retry a little later (any node), not an attempt.
        await records.requeue(id, run, true);
        await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
        this.#emitStatus(id, plugin, 'queued', null);
        throw new DelayedError();
      }
      if (end.kind === 'cancelled') {
        await this.#finish(id, plugin, run, 'cancelled', { error: end.error });
        return null;
      }
      if (end.pluginFailure && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
        // The operator opted in to retries of plugin failures: BullMQ retries it (on any node) after a backoff.
        await records.requeue(id, run, false);
        this.#emitStatus(id, plugin, 'queued', null);
        throw new Error(`${e.code}: ${e.message}`, { cause: err });
      }
      await this.#finish(id, plugin, run, 'failed', { error: end.error });
      return null;
    } finally {
      this.live.delete(id);
      settle();
    }
  }

  #onProgress(id: string, run: string, live: LiveRun, pct: number, stage: string | null): void {
    if (this.live.get(id) !== live) return;
    const persist = applyProgress(live, pct, stage);
    if (persist === null) return;
    if (persist && this.d.link.connected) this.d.records.progress(id, run, live.progress, live.stage).catch(() => {});
    this.d.emit('progress', { job_id: id, progress: live.progress, stage: live.stage, plugin: live.plugin });
  }

  /**
   * Records the job's end (status events and input clean-up follow once it is written). A write Redis refuses is
   * retried until it lands ({@link OutcomeWriter}); one another run owns (cancelled meanwhile, taken over) is dropped.
   */
  async #finish(id: string, plugin: string, run: string, status: FinalStatus, outcome: Outcome): Promise<void> {
    const live = this.live.get(id);
    const progress = outcome.progress ?? live?.progress;
    const written = await this.#outcomes.write(id, plugin, run, status, {
      ...outcome,
      ...(progress === undefined ? {} : { progress }),
      stage: outcome.stage ?? live?.stage ?? null,
    });
    if (written !== 'pending' || this.#stopping) return;
    // Keep the BullMQ job (and its lock) until the outcome lands or is degraded: released now, BullMQ would
    // complete or — its own write refused too — rerun a job whose run already ended.
    await Promise.race([
      this.#outcomes.settled(id),
      this.#stopped,
      new Promise((r) => setTimeout(r, OOM_DEGRADE_AFTER_MS + 5000).unref()),
    ]);
  }

  #emitStatus(id: string, plugin: string, status: JobStatus, error: { code: string; message: string } | null): void {
    this.d.emit('status', {
      job_id: id,
      status,
      error: error ? { code: error.code as ErrorCode, message: error.message } : null,
      plugin,
    });
  }
}
