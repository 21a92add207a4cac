import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Queue } from 'bullmq';
import { AVAILABLE_STATES, type ClusterQueue, type JobRecord } from '@bastion/protocol';
import type { Logger } from 'pino';
import type { ApiContext } from '../api/context.js';
import type { QueueSettings } from '../config/schema.js';
import { BastionError } from '../errors/bastion-error.js';
import type { JobBackend, JobEvents, JobListQuery, JobPage } from '../jobs/backend.js';
import { decodeCursor, encodeCursor } from '../jobs/cursor.js';
import type { ValidateFunction } from 'ajv';
import { binaryProperties, prepareArgs, type ArgsCheck } from '../runner/args.js';
import { ClusterEventBus } from './event-bus.js';
import { JobExecutor, type QueuedJobData } from './executor.js';
import type { NodeIdentity } from './identity.js';
import { JobInputs } from './inputs.js';
import { ClusterJobRecords } from './job-records.js';
import { ClusterKeys } from './keys.js';
import { NodeRegistry } from './node-registry.js';
import { RedisLink } from './redis.js';

/** How long DELETE waits for a running job to wind down (the runner kills the worker after a 2 s grace). */
const CANCEL_WAIT_MS = 10_000;
/** Live progress of other nodes' jobs kept for GET overlays (bounded). */
const REMOTE_PROGRESS_MAX = 10_000;

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
  readonly #queues = new Map<string, Queue<QueuedJobData, null>>();
  readonly #remoteProgress = new Map<string, { progress: number; stage: string | null }>();
  #sweepTimer: NodeJS.Timeout | null = null;
  #started = false;
  #stopping = false;

  constructor(
    private readonly ctx: ApiContext,
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
  }

  /** Joins the cluster once this node's id is known (after it listens, for `--port 0`). */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    void this.identity.whenKnown().then(() => {
      if (this.#stopping) return;
      this.#bus.start(
        (kind, payload) => this.#emitLocal(kind, payload),
        (jobId) => this.#executor.abort(jobId),
      );
      this.nodes.start();
      this.#executor.start();
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
    await this.#executor.stop(this.ctx.config.file.shutdownGraceMs);
    await this.nodes.stop();
    this.#bus.stop();
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => {})));
    await this.link.close();
  }

  async submit(plugin: string, tool: string, rawArgs: unknown): Promise<JobRecord> {
    this.ctx.lifecycle.assertAccepting();
    if (this.#stopping)
      throw new BastionError('SHUTTING_DOWN', 'the server is stopping; submit the job to another node');
    this.link.ensure();
    const check = await this.#argsCheck(plugin, tool);
    let args: Record<string, unknown>;
    try {
      args = prepareArgs(check, rawArgs);
    } catch (err) {
      if (err instanceof BastionError) throw new BastionError(err.code, err.message, { ...err.extra, plugin, tool });
      throw err;
    }
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
    return this.link.guard(async () => {
      const inputs = await this.#inputs.store(id, args);
      const record = await this.#records.create(id, plugin, tool);
      try {
        await queue.add(
          tool,
          { tool, inputs },
          {
            jobId: id,
            attempts: 1 + this.settings.pluginFailureRetries,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: true,
            removeOnFail: true,
          },
        );
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

  async get(id: string): Promise<JobRecord | null> {
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

  async cancel(id: string): Promise<JobRecord> {
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
      this.#executor.abort(id);
      await this.link.guard(() => this.#bus.cancel(id));
      const alive = record.node === null || (await this.nodes.nodesOrSelf()).some((n) => n.id === record.node);
      if (!alive && (await this.#records.finish(id, '', 'cancelled', { error: CANCELLED }))) {
        // Its node is gone: nobody is left to stop it; when another node picks it up, it skips it.
        this.#emitLocal('status', { job_id: id, status: 'cancelled', error: CANCELLED, plugin: record.plugin });
        this.#bus.publish('status', { job_id: id, status: 'cancelled', error: CANCELLED, plugin: record.plugin });
      } else {
        const deadline = Date.now() + CANCEL_WAIT_MS;
        while (Date.now() < deadline) {
          const now = await this.#records.get(id).catch(() => null);
          if (now && now.status !== 'running' && now.status !== 'queued') break;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    return (await this.get(id)) ?? record;
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

  #overlay(record: JobRecord): JobRecord {
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
   * The tool's argument check: this node's, or one compiled (off the event loop) from the input schema a live node
   * where the plugin is available published.
   */
  async #argsCheck(plugin: string, tool: string): Promise<ArgsCheck> {
    const local = this.ctx.registry.health(plugin);
    if (local && AVAILABLE_STATES.includes(local.state)) return this.ctx.runner.resolveTool(plugin, tool);
    const schema = await this.#remoteInputSchema(plugin, tool, local !== null);
    if (!schema) return this.ctx.runner.resolveTool(plugin, tool);
    try {
      const [validateInput] = await this.ctx.schemas.compile([{ where: `tool '${tool}' inputSchema`, schema }]);
      return { validateInput: validateInput as ValidateFunction, binary: binaryProperties(schema) };
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

const CANCELLED = { code: 'CANCELLED' as const, message: 'the job was cancelled' };
