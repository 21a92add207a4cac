import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiContext } from './api/context.js';
import { mcpFeature } from './api/mcp/index.js';
import { jobsFeature } from './jobs/feature.js';
import { realtimeFeature } from './api/realtime/feature.js';
import { webFeature } from './api/web/index.js';

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

export type FeatureFactory = (ctx: ApiContext, logger: Logger) => Feature;

/** The features every server runs. */
export const FEATURES: FeatureFactory[] = [mcpFeature, jobsFeature, realtimeFeature, webFeature];
