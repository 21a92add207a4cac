import type { Logger } from 'pino';
import type { QueuedJobData } from './executor.js';
import type { JobInputs } from './inputs.js';
import type { ClusterJobRecords, OpenJob } from './job-records.js';
import type { NodeRegistry } from './node-registry.js';
import type { RedisLink } from './redis.js';

/** Open jobs looked at per pass at most (a pass stays short however many jobs are open). */
const PER_PASS = 1000;

export interface ReconcilerDeps {
  records: ClusterJobRecords;
  inputs: JobInputs;
  link: RedisLink;
  nodes: NodeRegistry;
  /** Whether this node runs the job or holds its unwritten outcome. */
  ownsLocally: (id: string) => boolean;
  /** Puts a job back in its plugin's BullMQ queue (same job id). */
  enqueue: (plugin: string, id: string, data: QueuedJobData) => Promise<void>;
  /** Takes this interval's turn (one node per interval reconciles the whole cluster); false when another has it. */
  claim: () => Promise<boolean>;
  /** Announces a job that went back to queued. */
  requeued: (id: string, plugin: string) => void;
  everyMs: number;
  /** How long a job must stay as it is, with nothing behind it, before the reconciler acts. */
  graceMs: number;
  /** Shared-dir input folders younger than this are left alone (a submission may still be writing one). */
  inputMinAgeMs: number;
  logger: Logger;
}

/**
 * Keeps every open job on its way to a final status. A job record that is `queued` or `running` while BullMQ no
 * longer has the job (its completion was recorded by BullMQ but the record write was refused; a node died between
 * writing a record and its queue entry; a processor failed on a Redis error), and whose node — if it has one — no
 * longer lists it in its heartbeat, is queued again after {@link ReconcilerDeps.graceMs}: it runs again
 * (at-least-once) and counts an attempt, so `queue.maxNodeDeaths` still bounds it. Every node runs this; the
 * state changes are conditional scripts, so two nodes never both act on a job, and one node per interval takes the
 * pass (a short Redis lock), so the cost does not grow with the number of nodes. Nodes with a shared dir also remove
 * input folders of jobs that have ended.
 */
export class Reconciler {
  readonly #seen = new Map<string, { key: string; since: number }>();
  #timer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(private readonly d: ReconcilerDeps) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.pass(), this.d.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One pass over the open jobs; returns how many it queued again. */
  async pass(now = Date.now()): Promise<number> {
    if (this.#running || !this.d.link.connected) return 0;
    this.#running = true;
    try {
      return await this.#pass(now);
    } catch (err) {
      this.d.logger.debug({ err }, 'cluster: reconcile pass failed');
      return 0;
    } finally {
      this.#running = false;
    }
  }

  async #pass(now: number): Promise<number> {
    const acted = (await this.d.claim()) ? await this.#reconcileJobs(now) : 0;
    // Every node with the shared dir looks after its folders (the node that reconciles may not have it).
    await this.#removeEndedInputs(now);
    return acted;
  }

  async #reconcileJobs(now: number): Promise<number> {
    const beats = await this.d.nodes.nodes();
    const held = new Map(beats.map((b) => [b.id, new Set(b.jobs)]));
    const visited = new Set<string>();
    let cursor = '0';
    let acted = 0;
    do {
      const batch = await this.d.records.openBatch(cursor);
      cursor = batch.next;
      for (const id of batch.ids) {
        if (visited.has(id)) continue;
        visited.add(id);
        if (await this.#check(id, held, now)) acted++;
      }
    } while (cursor !== '0' && visited.size < PER_PASS);
    for (const id of this.#seen.keys()) if (!visited.has(id)) this.#seen.delete(id);
    return acted;
  }

  async #check(id: string, held: Map<string, Set<string>>, now: number): Promise<boolean> {
    const { job, inBullMq } = await this.d.records.inspect(id);
    if (job.status !== 'queued' && job.status !== 'running') {
      await this.d.records.close(id);
      this.#seen.delete(id);
      return false;
    }
    const ownerHolds =
      job.status === 'running' && job.node !== null && (held.get(job.node)?.has(id) === true || this.d.ownsLocally(id));
    if (inBullMq || ownerHolds) {
      this.#seen.delete(id);
      return false;
    }
    const key = `${job.status}|${job.run ?? ''}`;
    const prev = this.#seen.get(id);
    if (!prev || prev.key !== key) {
      this.#seen.set(id, { key, since: now });
      return false;
    }
    if (now - prev.since < this.d.graceMs) return false;
    this.#seen.delete(id);
    return this.#requeue(job);
  }

  async #requeue(job: OpenJob): Promise<boolean> {
    if (!job.plugin || !job.data) return false;
    if (!(await this.d.records.orphan(job))) return false;
    await this.d.enqueue(job.plugin, job.id, JSON.parse(job.data) as QueuedJobData);
    this.d.logger.warn(
      `cluster: job ${job.id} (${job.plugin}) was ${job.status}${job.node ? ` on node ${job.node}` : ''} with no queue entry and no node running it; queued again`,
    );
    this.d.requeued(job.id, job.plugin);
    return true;
  }

  /** Shared-dir input folders whose job has ended or is gone (a node without the shared dir could not remove them). */
  async #removeEndedInputs(now: number): Promise<void> {
    for (const { id, mtimeMs } of await this.d.inputs.storedInShared()) {
      if (now - mtimeMs < this.d.inputMinAgeMs) continue;
      const { job } = await this.d.records.inspect(id);
      if (job.status === 'queued' || job.status === 'running') continue;
      await this.d.inputs.remove(id);
    }
  }
}
