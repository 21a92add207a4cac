import { z } from 'zod';
import { ErrorCodeSchema } from './errors.js';
import { PluginStateSchema } from './health.js';

/** `standalone`: one node, jobs in SQLite. `cluster`: nodes share jobs through BullMQ on Redis (docs/cluster.md). */
export const CLUSTER_MODES = ['standalone', 'cluster'] as const;
export const ClusterModeSchema = z.enum(CLUSTER_MODES);
export type ClusterMode = z.infer<typeof ClusterModeSchema>;

/** One plugin as a node reports it in its heartbeat. Available = LOADED, INITIALIZED or RUNNING. */
export const ClusterNodePluginSchema = z.object({
  name: z.string(),
  state: PluginStateSchema,
});
export type ClusterNodePlugin = z.infer<typeof ClusterNodePluginSchema>;

/** One live node, from its last heartbeat (timestamps ISO-8601 UTC). */
export const ClusterNodeSchema = z.object({
  /** `--node-id` (default: hostname and port). */
  id: z.string(),
  /** The URL the node listens on, as it printed it at start. */
  url: z.string(),
  started_at: z.string(),
  last_seen: z.string(),
  /** Jobs the node is executing right now. */
  running_jobs: z.number().int().nonnegative(),
  /** Its plugins, sorted by name. */
  plugins: z.array(ClusterNodePluginSchema),
});
export type ClusterNode = z.infer<typeof ClusterNodeSchema>;

/** The answering node's link to the queue (null in standalone mode). */
export const ClusterQueueSchema = z.object({
  /** Whether the node can reach Redis right now. */
  connected: z.boolean(),
  /** Key prefix shared by every node of the cluster (`queue.prefix`). */
  prefix: z.string(),
  /** Why the queue cannot be reached (code QUEUE_UNAVAILABLE), or null while connected. */
  error: z
    .object({
      code: ErrorCodeSchema,
      message: z.string(),
    })
    .nullable(),
});
export type ClusterQueue = z.infer<typeof ClusterQueueSchema>;

/**
 * `GET /v1/cluster` → 200. In standalone mode `nodes` holds only the answering node; in cluster mode every node
 * that heartbeated recently (a node that stops heartbeating leaves within a few `queue.heartbeatMs`). While
 * Redis is unreachable a cluster node lists only itself and says so in `queue`.
 */
export const ClusterResponseSchema = z.object({
  mode: ClusterModeSchema,
  /** The id of the node that answered. */
  node_id: z.string(),
  queue: ClusterQueueSchema.nullable(),
  nodes: z.array(ClusterNodeSchema),
});
export type ClusterResponse = z.infer<typeof ClusterResponseSchema>;
