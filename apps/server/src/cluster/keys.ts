/**
 * Every Redis key and channel of cluster mode, under `queue.prefix`. BullMQ's own keys live under
 * `<prefix>:q:<plugin>:…`; Bastion's under `<prefix>:c:…`, so no plugin id (`^[a-z0-9][a-z0-9_-]*$`) can
 * collide with them.
 */
export class ClusterKeys {
  constructor(readonly prefix: string) {}

  /** The prefix handed to BullMQ. */
  get bullPrefix(): string {
    return `${this.prefix}:q`;
  }
  /** Node heartbeat (JSON, expires after 3 beats). */
  node(id: string): string {
    return `${this.prefix}:c:node:${id}`;
  }
  /** Set of node ids that have heartbeated (an index; the expiring node keys are the truth). */
  get nodes(): string {
    return `${this.prefix}:c:nodes`;
  }
  /** One job's record (a hash of flat fields). */
  job(id: string): string {
    return `${this.prefix}:c:job:${id}`;
  }
  /** One job's binary inputs kept in Redis (a hash: arg name → bytes). */
  input(id: string): string {
    return `${this.prefix}:c:input:${id}`;
  }
  /** All jobs by submission sequence (newest = highest score). */
  get jobs(): string {
    return `${this.prefix}:c:jobs`;
  }
  get jobSeq(): string {
    return `${this.prefix}:c:jobs:seq`;
  }
  /** Ids of jobs that are queued or running (what the reconciler checks against BullMQ). */
  get open(): string {
    return `${this.prefix}:c:jobs:open`;
  }
  /** Which node runs the current reconcile pass (one node per interval does it for the whole cluster). */
  get reconcile(): string {
    return `${this.prefix}:c:reconcile`;
  }
  /** One BullMQ job's hash (its existence says BullMQ still tracks the job: removeOnComplete/Fail are on). */
  bullJob(plugin: string, id: string): string {
    return `${this.bullPrefix}:${plugin}:${id}`;
  }
  /** Finished jobs by finish time (ms), for retention. */
  get finished(): string {
    return `${this.prefix}:c:jobs:finished`;
  }
  /** Pub/sub: job status, progress and partial results of every node. */
  get events(): string {
    return `${this.prefix}:c:events`;
  }
  /** Pub/sub: cancel requests for running jobs. */
  get cancels(): string {
    return `${this.prefix}:c:cancel`;
  }
}
