import type { EventEmitter } from 'node:events';
import type {
  ClusterQueue,
  JobInput,
  JobProgressPayload,
  JobRecord,
  JobStatus,
  JobStatusPayload,
  PartialResultPayload,
} from '@bastion/protocol';
import type { JobInputMeta } from './input.js';

/** Job events for the realtime hub; in cluster mode they include jobs running on other nodes. */
export interface JobEvents {
  status: [JobStatusPayload & { plugin: string }];
  progress: [JobProgressPayload & { plugin: string }];
  /** A partial result as the worker serialised it (JSON text, checked by the runner). */
  partial: [Omit<PartialResultPayload, 'result'> & { resultJson: string; plugin: string }];
}

/**
 * A job as a backend answers it: its {@link JobRecord} with the result still the JSON text it was stored as, so a
 * finished job's result is served as stored, never parsed (job-json.ts writes the record).
 */
export type JobView = Omit<JobRecord, 'result'> & { readonly resultJson: string | null };

export interface JobListQuery {
  status?: JobStatus | undefined;
  plugin?: string | undefined;
  /** The opaque `next_before` cursor of a previous page. */
  before?: string | undefined;
  limit: number;
}

export interface JobPage {
  jobs: JobView[];
  next_before: string | null;
}

/**
 * Where jobs are kept and run: {@link JobService} (standalone, SQLite) or the cluster backend (BullMQ on Redis).
 * The HTTP routes, the realtime hub and MCP see only this. Every method throws coded BastionErrors.
 */
export interface JobBackend extends EventEmitter<JobEvents> {
  readonly mode: 'standalone' | 'cluster';
  /** After startup loading: resume or start consuming queued jobs. */
  start(): void | Promise<void>;
  /** On shutdown: stop taking jobs, let running ones finish within the grace, then wind down the rest. */
  stop(): Promise<void>;
  /** `input`: file names and the client's preview, kept where the backend keeps inputs (ignored elsewhere). */
  submit(plugin: string, tool: string, rawArgs: unknown, input?: JobInputMeta): Promise<JobView>;
  /**
   * What a job ran on (`GET /v1/jobs/:id/input`); null if the job is unknown. A backend without it keeps no
   * inputs for reading back, and the route answers `kept: false`.
   */
  input?(id: string): Promise<JobInput | null>;
  get(id: string): Promise<JobView | null>;
  list(q: JobListQuery): Promise<JobPage>;
  /** Cancels a queued or running job wherever it runs; answers the job once it has stopped. */
  cancel(id: string): Promise<JobView>;
  /** Jobs this node is executing right now. */
  readonly runningCount: number;
  /** The queue link (null in standalone mode, which has none). */
  queueStatus(): ClusterQueue | null;
}
