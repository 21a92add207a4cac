import type { ClusterQueue } from '@bastion/protocol';
import type { ServerConfig } from './config/schema.js';
import type { ServerLifecycle } from './lifecycle/server-lifecycle.js';
import type { Metrics } from './metrics/metrics.js';
import type { PluginManager } from './plugins/manager.js';
import type { Registry } from './plugins/registry.js';
import type { ToolRunner } from './runner/tool-runner.js';
import type { SchemaCompiler } from './schemas/schema-compiler.js';
import type { Tracing } from './tracing/tracing.js';

/**
 * The host's services, built once by createServer: what the job backends (jobs/, cluster/) and, with `auth`
 * added, the HTTP, WebSocket and MCP layers (api/context.ts) are given.
 */
export interface HostContext {
  config: ServerConfig;
  registry: Registry;
  manager: PluginManager;
  runner: ToolRunner;
  /** Compiles plugin-supplied schemas off the event loop (cluster jobs check arguments against another node's). */
  schemas: SchemaCompiler;
  metrics: Metrics;
  isReady: () => boolean;
  /** Starting / ready / draining: whatever takes new work checks `lifecycle.assertAccepting()` first. */
  lifecycle: ServerLifecycle;
  /** Cluster mode: whether the job queue (Redis) is reachable; null in standalone mode. */
  queueStatus: () => ClusterQueue | null;
  /** OpenTelemetry tracing (`--otel`), or null when off. */
  tracing: Tracing | null;
}
