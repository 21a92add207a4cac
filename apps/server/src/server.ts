import { SchemaCompiler } from './schemas/schema-compiler.js';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './api/app.js';
import { createAuth } from './api/auth.js';
import type { ApiContext } from './api/context.js';
import type { HostContext } from './host-context.js';
import { NodeIdentity } from './node-identity.js';
import { serializeError } from './cluster/redact.js';
import { standaloneView, type ClusterView } from './cluster/view.js';
import { deepFreeze } from './config/freeze.js';
import type { ServerConfig } from './config/schema.js';
import type { Feature, FeatureServices } from './api/feature.js';
import { FEATURES } from './features.js';
import type { JobBackend } from './jobs/backend.js';
import { JobService } from './jobs/service.js';
import { createLogger } from './logging/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { PluginManager } from './plugins/manager.js';
import { Registry } from './plugins/registry.js';
import { BUNDLED_PLUGINS_DIR } from './paths.js';
import { ServerLifecycle } from './lifecycle/server-lifecycle.js';
import type { GpuProbeOptions } from './plugins/checks/gpu.js';
import { ToolRunner } from './runner/tool-runner.js';
import { detectIsolation, type IsolationInfo } from './sandbox/isolation.js';
import { Tracing, tracingRequested, type TracingOptions } from './tracing/tracing.js';

export interface BastionServer {
  app: FastifyInstance;
  features: Feature[];
  ctx: ApiContext;
  /** The job backend (standalone SQLite or cluster BullMQ) the features share. */
  jobs: JobBackend;
  /** This node's name and address. */
  identity: NodeIdentity;
  logger: Logger;
  isolation: IsolationInfo;
  /** Resolves when every plugin has reached its first state after loading (readiness). */
  loaded: Promise<void>;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The plugin directories in load order: bundled first, then each --plugins-dir. */
export function pluginDirsOf(config: ServerConfig): string[] {
  return [...(config.bundledPlugins ? [BUNDLED_PLUGINS_DIR] : []), ...config.pluginsDirs.map((d) => path.resolve(d))];
}

/**
 * Wires registry, sandbox, runner and HTTP app together and starts loading plugins. The config is frozen (deeply,
 * in place): nothing changes it once the server is built.
 */
export async function createServer(
  config: ServerConfig,
  options: {
    logger?: Logger;
    gpu?: GpuProbeOptions;
    onlyFolders?: readonly string[];
    /** False: enforce memory and process limits with the watchdog even where cgroups work (tests of the fallback). */
    cgroups?: boolean;
    /** Tracing on with these exporters, whatever the configuration says (tests). */
    traceExporters?: TracingOptions['exporters'];
  } = {},
): Promise<BastionServer> {
  deepFreeze(config);
  const logger = options.logger ?? createLogger(config, { err: serializeError });
  const tracing =
    options.traceExporters || tracingRequested(config.otel, process.env)
      ? new Tracing(process.env, { exporters: options.traceExporters, warn: (m) => logger.warn(m) })
      : null;
  if (tracing && !options.traceExporters)
    logger.info('OpenTelemetry tracing on (OTEL_* variables, docs/observability.md)');
  // Owner-only when created here: plain-process workers (another uid) must not read jobs and their inputs.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const isolation = detectIsolation(config.isolation, { cgroups: options.cgroups });
  if (isolation.warning) logger.warn(isolation.warning);
  if (isolation.cgroups) logger.info(isolation.limitsNote);
  else logger.warn(isolation.limitsNote);
  if (isolation.workerUser && (statSync(config.dataDir).mode & 0o007) !== 0) {
    logger.warn(
      `data dir ${config.dataDir} is readable by other users, and so by plugin workers (uid ${isolation.workerUser.uid}); chmod 700 it`,
    );
  }
  const registry = new Registry((msg) => logger.warn(msg));
  // Plugin schemas are compiled off the event loop (a large one takes seconds in ajv).
  const schemas = new SchemaCompiler();
  const manager = new PluginManager(
    config,
    registry,
    isolation,
    {
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    pluginDirsOf(config),
    schemas,
    { gpu: options.gpu, ...(options.onlyFolders ? { onlyFolders: options.onlyFolders } : {}) },
  );
  const lifecycle = new ServerLifecycle();
  const runner = new ToolRunner(registry, manager, lifecycle, tracing);
  let jobs: JobBackend | null = null;
  let cluster: ClusterView | null = null;
  const metrics = createMetrics(
    registry,
    () => jobs?.queueStatus() ?? null,
    async () => (jobs?.mode === 'cluster' && cluster ? (await cluster.describe()).nodes.length : null),
  );
  const auth = createAuth(config);
  const ctx: ApiContext = {
    config,
    registry,
    manager,
    runner,
    schemas,
    metrics,
    auth,
    isReady: () => lifecycle.ready,
    lifecycle,
    queueStatus: () => jobs?.queueStatus() ?? null,
    tracing,
  };
  const identity = new NodeIdentity(config.nodeId, config.port);
  const services = await createJobBackend(ctx, logger, identity);
  jobs = services.jobs;
  cluster = services.cluster;
  const features: Feature[] = FEATURES.map((make) => make(ctx, logger, services));
  const accessLog = config.accessLog || config.logLevel === 'debug' || config.logLevel === 'trace';
  const app = await buildApp(ctx, {
    logger,
    routeSets: features.map((f) => (a) => f.routes(a)),
    accessLog: accessLog ? logger : undefined,
  });
  registry.on('state', (e) =>
    logger.info({ plugin: e.name, state: e.state, reason_code: e.reason_code }, `plugin ${e.name} → ${e.state}`),
  );

  const loaded = manager
    .startAll()
    .catch((err: unknown) => logger.error({ err }, 'plugin loading failed'))
    .then(async () => {
      if (lifecycle.draining) return; // stopped during startup: resume no jobs
      for (const f of features) await f.start?.();
      lifecycle.markReady();
    });

  let closing: Promise<void> | null = null;
  return {
    app,
    features,
    ctx,
    jobs,
    identity,
    logger,
    isolation,
    loaded,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const url = `http://${host}:${port}`;
      identity.listening(url, port);
      return url;
    },
    close() {
      closing ??= (async () => {
        // Draining: /readyz 503, new calls and jobs SHUTTING_DOWN, the listener still open. Calls in flight (and
        // already queued) get the grace, then are cut with SHUTTING_DOWN; a load still running is stopped too,
        // so a stop during startup does not wait for slow plugins.
        lifecycle.beginDrain();
        await manager.stopAll(config.file.shutdownGraceMs);
        await loaded;
        for (const f of features) await f.stop?.();
        await app.close();
        await schemas.close();
        await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
        lifecycle.markStopped();
      })();
      return closing;
    },
  };
}

/**
 * The job backend, built once: BullMQ on Redis with a queue URL (cluster mode), else SQLite (standalone). The
 * cluster modules (BullMQ, ioredis) are loaded only in cluster mode, so a standalone start does not pay for them.
 */
async function createJobBackend(ctx: HostContext, logger: Logger, identity: NodeIdentity): Promise<FeatureServices> {
  const url = ctx.config.queueUrl ?? ctx.config.file.queue.url;
  if (!url) {
    const jobs = new JobService(ctx, logger, identity);
    const cluster: ClusterView = standaloneView(identity, ctx.registry, () => jobs.runningCount);
    return { jobs, cluster };
  }
  const [{ ClusterJobBackend }, { redactUrl }] = await Promise.all([
    import('./cluster/backend.js'),
    import('./cluster/redact.js'),
  ]);
  logger.info(`cluster mode: jobs go through ${redactUrl(url)} (prefix '${ctx.config.file.queue.prefix}')`);
  const jobs = await ClusterJobBackend.create(ctx, logger, identity, url, ctx.config.file.queue);
  return { jobs, cluster: jobs.nodes };
}
