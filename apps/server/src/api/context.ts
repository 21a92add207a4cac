import type { ClusterQueue } from '@bastion/protocol';
import type { ServerConfig } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PluginManager } from '../plugins/manager.js';
import type { Registry } from '../plugins/registry.js';
import type { SchemaCompiler } from '../schemas/schema-compiler.js';
import type { ToolRunner } from '../runner/tool-runner.js';
import type { Tracing } from '../tracing/tracing.js';
import type { Lifecycle } from '../lifecycle/server-lifecycle.js';
import type { Auth } from './auth.js';

/** What the HTTP, WebSocket and MCP layers are given. */
export interface ApiContext {
  config: ServerConfig;
  registry: Registry;
  manager: PluginManager;
  runner: ToolRunner;
  /** Compiles plugin-supplied schemas off the event loop (cluster jobs check arguments against another node's). */
  schemas: SchemaCompiler;
  metrics: Metrics;
  auth: Auth;
  isReady: () => boolean;
  /** Starting / ready / draining: whatever takes new work checks `lifecycle.assertAccepting()` first. */
  lifecycle: Lifecycle;
  /** Cluster mode: whether the job queue (Redis) is reachable; null in standalone mode. */
  queueStatus: () => ClusterQueue | null;
  /** OpenTelemetry tracing (`--otel`), or null when off. */
  tracing: Tracing | null;
}
