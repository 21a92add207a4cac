import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Queue } from 'bullmq';
import { AVAILABLE_STATES, type ClusterQueue } from '@bastion/protocol';
import type { Logger } from 'pino';
import type { HostContext } from '../host-context.js';
import type { QueueSettings } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { BastionError } from '../errors/bastion-error.js';
import type { JobBackend, JobEvents, JobListQuery, JobPage, JobView } from '../jobs/backend.js';
import { decodeCursor, encodeCursor } from '../jobs/cursor.js';
import { JOB_CANCELLED } from '../jobs/outcome.js';
import type { ValidateFunction } from 'ajv';
import type { CallTarget } from '../runner/tool-runner.js';
import { binaryProperties } from '../schemas/binary-properties.js';
import { ClusterEventBus } from './event-bus.js';
import { JobExecutor, type QueuedJobData } from './executor.js';
import type { NodeIdentity } from '../node-identity.js';
import { JobInputs } from './inputs.js';
import { ClusterJobRecords } from './job-records.js';
import { ClusterKeys } from './keys.js';
import { NodeRegistry } from './node-registry.js';
import { preflight } from './preflight.js';
import { Reconciler } from './reconciler.js';
import { serializeError } from './redact.js';
import { RedisLink, withDeadline } from './redis.js';

/** How long DELETE waits for a running job to wind down (the runner kills the worker after a 2 s grace). */
const CANCEL_WAIT_MS = 10_000;
/** How long DELETE waits for the node running a job to say it got the cancel; silence means that node is gone. */
const CANCEL_ACK_MS = 1500;
/** Live progress of other nodes' jobs kept for GET overlays (bounded). */
const REMOTE_PROGRESS_MAX = 10_000;
/** Argument checks compiled from other nodes' schemas that are kept (oldest dropped first). */
const MAX_REMOTE_CHECKS = 64;

/**
 * Cluster mode's job backend: BullMQ on Redis, one queue per plugin. Any node accepts, reads, lists and cancels
 * any job; each node executes jobs only for plugins available on it ({@link JobExecutor}); records, results and
 * small inputs live in Redis so every node answers for every job; events travel between nodes over pub/sub.
 * While Redis is unreachable, job requests answer 503 QUEUE_UNAVAILABLE and direct tool calls are unaffected.
 */
export class ClusterJobBackend extends EventEmitter<JobEvents> implements JobBackend {
  readonly mode = 'cluster' as const;
  readonly link: RedisLink;
  readonly keys: ClusterKeys;
  readonly nodes: NodeRegistry;
  readonly #records: ClusterJobRecords;
  readonly #inputs: JobInputs;
  readonly #bus: ClusterEventBus;
  readonly #executor: JobExecutor;
  readonly #reconciler: Reconciler;
  readonly #queues = new Map<string, Queue<QueuedJobData, null>>();
  readonly #remoteProgress = new Map<string, { progress: number; stage: string | null }>();
  /** By plugin, tool and schema text: a node that publishes a changed schema gets a new entry. */
  readonly #remoteChecks = new Map<string, Promise<CallTarget>>();
  #sweepTimer: NodeJS.Timeout | null = null;
  #started = false;
  #stopping = false;

  /**
   * Checks the queue (a Redis, the database, the password, no live node with this `--node-id`) and builds the
   * backend; a queue that is misconfigured is a startup error (exit 2). Every log line of cluster mode goes
   * through {@link serializeError}, so Redis errors never carry command arguments into the log.
   */
  static async create(
    ctx: HostContext,
    rootLogger: Logger,
    identity: NodeIdentity,
    url: string,
    settings: QueueSettings,
  ): Promise<ClusterJobBackend> {
    const logger = rootLogger.child({}, { serializers: { err: serializeError } });
    const check = await preflight({
      url,
      keys: new ClusterKeys(settings.prefix),
      nodeId: ctx.config.nodeId,
      heartbeatMs: settings.heartbeatMs,
      logger,
    });
    if (!check.ok) throw new ConfigError([check.problem]);
    return new ClusterJobBackend(ctx, logger, identity, url, settings);
  }

  private constructor(
    private readonly ctx: HostContext,
    private readonly logger: Logger,
    private readonly identity: NodeIdentity,
    url: string,
    private readonly settings: QueueSettings,
  ) {
    super();
    this.keys = new ClusterKeys(settings.prefix);
    this.link = new RedisLink(url, logger);
    this.#records = new ClusterJobRecords(this.link.command, this.keys);
    this.#inputs = new JobInputs(
      this.link.command,
      this.keys,
      Math.floor(settings.maxInlineInputMb * 1024 * 1024),
      settings.sharedDir,
    );
    this.#bus = new ClusterEventBus(this.link, this.keys, () => identity.id, logger);
    this.nodes = new NodeRegistry(
      this.link,
      this.keys,
      identity,
      ctx.registry,
      settings.heartbeatMs,
      () => this.runningCount,
      () => this.#executor.ownedIds(),
      logger,
    );
    this.#executor = new JobExecutor({
      ctx,
      link: this.link,
      keys: this.keys,
      records: this.#records,
      inputs: this.#inputs,
      bus: this.#bus,
      identity,
      settings,
      logger,
      emit: (kind, payload) => {
        this.#emitLocal(kind, payload);
        this.#bus.publish(kind, payload);
      },
    });
    const everyMs = Math.max(500, Math.min(5000, settings.stalledIntervalMs));
    this.#reconciler = new Reconciler({
      records: this.#records,
      inputs: this.#inputs,
      link: this.link,
      nodes: this.nodes,
      ownsLocally: (id) => this.#executor.owns(id),
      claim: async () =>
        (await this.link.command.set(this.keys.reconcile, identity.id, 'PX', Math.floor(everyMs * 0.9), 'NX')) === 'OK',
      enqueue: async (plugin, id, data) => {
        await this.#queue(plugin).add(data.tool, data, this.#jobOptions(id));
      },
      requeued: (id, plugin) => {
        this.#emitLocal('status', { job_id: id, status: 'queued', error: null, plugin });
        this.#bus.publish('status', { job_id: id, status: 'queued', error: null, plugin });
      },
      everyMs,
      // Two heartbeats (a node's list of its jobs can be that old) plus a stalled interval.
      graceMs: 2 * settings.heartbeatMs + settings.stalledIntervalMs,
      inputMinAgeMs: Math.max(5000, 12 * settings.stalledIntervalMs),
      logger,
    });
  }

  /** Joins the cluster once this node's id is known (after it listens, for `--port 0`). */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    void this.identity.whenKnown().then(() => {
      if (this.#stopping) return;
      this.#bus.start(
        (kind, payload) => this.#emitLocal(kind, payload),
        (jobId) => {
          if (this.#executor.abort(jobId)) this.#records.ackCancel(jobId).catch(() => {});
        },
      );
      this.nodes.start();
      this.#executor.start();
      this.#reconciler.start();
      this.logger.info(`cluster: node ${this.identity.id} joined (queue prefix '${this.keys.prefix}')`);
    });
    const retentionMs = this.ctx.config.file.jobRetentionHours * 3_600_000;
    const every = Math.max(1000, Math.min(10 * 60_000, retentionMs / 10));
    this.#sweepTimer = setInterval(() => void this.sweep(), every);
    this.#sweepTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#reconciler.stop();
    await this.#executor.stop(this.ctx.config.file.shutdownGraceMs);
    await this.nodes.stop();
    this.#bus.stop();
    // A frozen Redis answers nothing: none of these may hold the stop past its grace.
    await Promise.all(
      [...this.#queues.values()].map((q) => withDeadline(q.close(), this.link.connected ? 2000 : 500).catch(() => {})),
    );
    await this.link.close();
  }

  async submit(plugin: string, tool: string, rawArgs: unknown): Promise<JobView> {
    this.ctx.lifecycle.assertAccepting();
    if (this.#stopping)
      throw new BastionError('SHUTTING_DOWN', 'the server is stopping; submit the job to another node');
    this.link.ensure();
    const { args } = this.ctx.runner.prepare(plugin, await this.#target(plugin, tool), rawArgs);
    const queue = this.#queue(plugin);
    const max = this.ctx.config.file.maxQueuedJobs;
    const waiting = await this.link.guard(() => queue.getJobCountByTypes('wait', 'delayed', 'prioritized'));
    if (waiting >= max) {
      throw new BastionError(
        'PLUGIN_BUSY',
        `${max} jobs of '${plugin}' are already queued (maxQueuedJobs); try again later`,
        { plugin, tool, retryAfterS: 5 },
      );
    }
    const id = randomUUID();
    const traceparent = this.ctx.tracing?.currentTraceparent();
    return this.link.guard(async () => {
      const inputs = await this.#inputs.store(id, args);
      const data: QueuedJobData = traceparent ? { tool, inputs, traceparent } : { tool, inputs };
      let record: JobView;
      try {
        record = await this.#records.create(id, plugin, tool, JSON.stringify(data));
        await queue.add(tool, data, this.#jobOptions(id));
      } catch (err) {
        await this.#records.remove(id).catch(() => {});
        await this.#inputs.remove(id);
        throw err;
      }
      this.#emitLocal('status', { job_id: id, status: 'queued', error: null, plugin });
      this.#bus.publish('status', { job_id: id, status: 'queued', error: null, plugin });
      return record;
    });
  }

  async get(id: string): Promise<JobView | null> {
    const record = await this.link.guard(() => this.#records.get(id));
    return record ? this.#overlay(record) : null;
  }

  async list(q: JobListQuery): Promise<JobPage> {
    const beforeSeq = q.before === undefined ? undefined : decodeCursor(q.before);
    const page = await this.link.guard(() =>
      this.#records.list({ status: q.status, plugin: q.plugin, limit: q.limit, beforeSeq }),
    );
    return {
      jobs: page.jobs.map((r) => this.#overlay(r)),
      next_before: page.nextBeforeSeq === null ? null : encodeCursor(page.nextBeforeSeq),
    };
  }

  async cancel(id: string): Promise<JobView> {
    const record = await this.link.guard(() => this.#records.get(id));
    if (!record) throw new BastionError('JOB_NOT_FOUND', `no job '${id}'`);
    if (record.status === 'cancelled') return record;
    if (record.status === 'succeeded' || record.status === 'failed') {
      throw new BastionError(
        'BAD_REQUEST',
        `job '${id}' has already ${record.status}; only queued or running jobs can be cancelled`,
        { details: { status: record.status } },
      );
    }
    const outcome = await this.link.guard(() => this.#records.cancel(id));
    if (outcome === 1) {
      // Was queued: it will never run. Remove its queue entry (a node that already fetched it skips it).
      await this.#queue(record.plugin)
        .remove(id)
        .catch(() => 0);
      await this.#inputs.remove(id);
      this.#emitLocal('status', { job_id: id, status: 'cancelled', error: CANCELLED, plugin: record.plugin });
      this.#bus.publish('status', { job_id: id, status: 'cancelled', error: CANCELLED, plugin: record.plugin });
    } else if (outcome === 2) {
      // Running: the node running it aborts the call and says so (cancel_ack); a node that does not answer
      // within CANCEL_ACK_MS is gone (killed, partitioned) and nobody is left to stop the job: it is cancelled
      // here, and a node that picks it up again skips it.
      const here = this.#executor.abort(id);
      if (!here) await this.link.guard(() => this.#bus.cancel(id));
      const acked = here || (await this.#waitRecord(id, CANCEL_ACK_MS, (r, ack) => ack || isFinal(r)));
      if (!acked && (await this.link.guard(() => this.#records.finish(id, '', 'cancelled', { error: CANCELLED })))) {
        this.#emitLocal('status', { job_id: id, status: 'cancelled', error: CANCELLED, plugin: record.plugin });
        this.#bus.publish('status', { job_id: id, status: 'cancelled', error: CANCELLED, plugin: record.plugin });
      } else {
        await this.#waitRecord(id, CANCEL_WAIT_MS, (r) => isFinal(r));
      }
    }
    return (await this.get(id)) ?? record;
  }

  /** Polls the job's record until `done` says so or `ms` passed; false when it timed out. */
  async #waitRecord(id: string, ms: number, done: (r: JobView | null, acked: boolean) => boolean): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const [r, ack] = await Promise.all([
        this.#records.get(id).catch(() => null),
        this.#records.cancelAcked(id).catch(() => false),
      ]);
      if (done(r, ack)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  #jobOptions(id: string) {
    return {
      jobId: id,
      attempts: 1 + this.settings.pluginFailureRetries,
      backoff: { type: 'exponential' as const, delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  /** Deletes finished jobs older than jobRetentionHours (any node may do it; it is idempotent). */
  async sweep(now = Date.now()): Promise<number> {
    if (!this.link.connected) return 0;
    try {
      const ids = await this.#records.sweep(now - this.ctx.config.file.jobRetentionHours * 3_600_000);
      for (const id of ids) await this.#inputs.remove(id);
      if (ids.length) this.logger.info(`jobs: retention removed ${ids.length} finished job(s)`);
      return ids.length;
    } catch (err) {
      this.logger.warn({ err }, 'jobs: retention sweep failed');
      return 0;
    }
  }

  get runningCount(): number {
    return this.#executor.live.size;
  }

  queueStatus(): ClusterQueue {
    return this.link.status(this.keys.prefix);
  }

  #overlay(record: JobView): JobView {
    if (record.status !== 'running') return record;
    const live = this.#executor.progressOf(record.job_id) ?? this.#remoteProgress.get(record.job_id);
    return live ? { ...record, ...live } : record;
  }

  #emitLocal<K extends keyof JobEvents>(kind: K, payload: JobEvents[K][0]): void {
    if (kind === 'progress') {
      const p = payload as JobEvents['progress'][0];
      if (this.#remoteProgress.size >= REMOTE_PROGRESS_MAX) this.#remoteProgress.clear();
      this.#remoteProgress.set(p.job_id, { progress: p.progress, stage: p.stage });
    } else if (kind === 'status') {
      this.#remoteProgress.delete((payload as JobEvents['status'][0]).job_id);
    }
    (this.emit as (k: K, p: JobEvents[K][0]) => boolean)(kind, payload);
  }

  /**
   * The tool a job's arguments are checked against: this node's, or one compiled (off the event loop) from the input
   * schema a live node where the plugin is available published.
   */
  async #target(plugin: string, tool: string): Promise<CallTarget> {
    const local = this.ctx.registry.health(plugin);
    if (local && AVAILABLE_STATES.includes(local.state)) return this.ctx.runner.resolve(plugin, tool);
    const schema = await this.#remoteInputSchema(plugin, tool, local !== null);
    if (!schema) return this.ctx.runner.resolve(plugin, tool);
    // Compiled once per schema a node publishes, not once per submission (a compile is a thread round trip).
    const key = `${plugin}\0${tool}\0${JSON.stringify(schema)}`;
    let check = this.#remoteChecks.get(key);
    if (!check) {
      check = this.#compileRemote(plugin, tool, schema);
      this.#remoteChecks.set(key, check);
      check.catch(() => this.#remoteChecks.delete(key));
      if (this.#remoteChecks.size > MAX_REMOTE_CHECKS) {
        this.#remoteChecks.delete(this.#remoteChecks.keys().next().value as string);
      }
    }
    return check;
  }

  async #compileRemote(plugin: string, tool: string, schema: Record<string, unknown>): Promise<CallTarget> {
    try {
      const [validateInput] = await this.ctx.schemas.compile([{ where: `tool '${tool}' inputSchema`, schema }]);
      return { name: tool, validateInput: validateInput as ValidateFunction, binary: binaryProperties(schema) };
    } catch (err) {
      throw new BastionError(
        'PLUGIN_FAILED',
        `plugin '${plugin}': ${err instanceof Error ? err.message : String(err)}`,
        {
          plugin,
          tool,
        },
      );
    }
  }

  /** The input schema a live node publishes for the tool; null when only this node knows the plugin. */
  async #remoteInputSchema(plugin: string, tool: string, knownHere: boolean): Promise<Record<string, unknown> | null> {
    const nodes = await this.link.guard(() => this.nodes.nodes());
    if (!nodes.some((n) => n.id === this.identity.id)) {
      // Redis does not list even this node (it restarted empty a moment ago): the list is being rebuilt, so
      // "no such plugin" would be a guess.
      throw new BastionError('QUEUE_UNAVAILABLE', 'the cluster is re-forming (Redis lost its node list); try again', {
        retryAfterS: 2,
      });
    }
    const withTools = nodes.find((n) => n.id !== this.identity.id && n.tools[plugin]);
    if (!withTools) {
      // Nowhere available: answer as this node would (404 for an unknown plugin, 503 with its state otherwise).
      if (knownHere) return null;
      const states = nodes.flatMap((n) => n.plugins.filter((p) => p.name === plugin).map((p) => `${n.id}: ${p.state}`));
      if (!states.length)
        throw new BastionError('PLUGIN_NOT_FOUND', `no node of the cluster has a plugin named '${plugin}'`, { plugin });
      throw new BastionError(
        'PLUGIN_UNAVAILABLE',
        `plugin '${plugin}' is not available on any node (${states.join(', ')})`,
        {
          plugin,
          tool,
          details: { nodes: states },
        },
      );
    }
    const info = withTools.tools[plugin]?.find((t) => t.name === tool);
    if (!info) {
      const known = (withTools.tools[plugin] ?? []).map((t) => t.name);
      throw new BastionError(
        'TOOL_NOT_FOUND',
        `plugin '${plugin}' has no tool '${tool}'; tools: ${known.join(', ') || 'none'}`,
        {
          plugin,
          tool,
        },
      );
    }
    return info.inputSchema;
  }

  #queue(plugin: string): Queue<QueuedJobData, null> {
    let queue = this.#queues.get(plugin);
    if (!queue) {
      queue = new Queue<QueuedJobData, null>(plugin, { connection: this.link.command, prefix: this.keys.bullPrefix });
      queue.on('error', (err) => this.logger.debug({ err, plugin }, 'cluster: queue error'));
      this.#queues.set(plugin, queue);
    }
    return queue;
  }
}

const CANCELLED = JOB_CANCELLED;

function isFinal(r: JobView | null): boolean {
  return r !== null && r.status !== 'running' && r.status !== 'queued';
}
