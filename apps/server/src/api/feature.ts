import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiContext } from './context.js';
import type { ClusterView } from '../cluster/view.js';
import type { JobBackend } from '../jobs/backend.js';

/**
 * A surface or service beside the core REST API (jobs, realtime WebSocket, MCP). Each registers its routes on
 * the shared app (one error shape, one auth), and may start after plugins have loaded and stop on shutdown.
 */
export interface Feature {
  name: string;
  routes(app: FastifyInstance): void | Promise<void>;
  /** Runs once startup loading has finished (e.g. resume queued jobs). */
  start?(): void | Promise<void>;
  /** Runs on shutdown before plugin workers are disposed. */
  stop?(): void | Promise<void>;
}

/** Services built once by createServer and handed to the features that need them. */
export interface FeatureServices {
  /** The job backend: SQLite (standalone) or BullMQ on Redis (cluster), one interface. */
  jobs: JobBackend;
  /** This node and, in cluster mode, its peers (`GET /v1/cluster`). */
  cluster: ClusterView;
}

export type FeatureFactory = (ctx: ApiContext, logger: Logger, services: FeatureServices) => Feature;
