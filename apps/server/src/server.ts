import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp } from './api/app.js';
import { createAuth } from './api/auth.js';
import type { ApiContext } from './api/context.js';
import type { ServerConfig } from './config/schema.js';
import { FEATURES, type Feature } from './features.js';
import { createMetrics } from './metrics/metrics.js';
import { PluginManager } from './plugins/manager.js';
import { Registry } from './plugins/registry.js';
import { BUNDLED_PLUGINS_DIR } from './paths.js';
import { ToolRunner } from './runner/tool-runner.js';
import { detectIsolation, type IsolationInfo } from './sandbox/isolation.js';

export interface BastionServer {
  app: FastifyInstance;
  features: Feature[];
  ctx: ApiContext;
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

/** Wires registry, sandbox, runner and HTTP app together and starts loading plugins. */
export async function createServer(config: ServerConfig, options: { logger?: Logger } = {}): Promise<BastionServer> {
  const logger = options.logger ?? pino({ level: config.logLevel }, pino.destination(2));
  mkdirSync(config.dataDir, { recursive: true });
  const isolation = detectIsolation(config.isolation);
  if (isolation.warning) logger.warn(isolation.warning);
  const registry = new Registry((msg) => logger.warn(msg));
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
  );
  const runner = new ToolRunner(registry, manager);
  const metrics = createMetrics(registry);
  const auth = createAuth(config);
  let ready = false;
  const ctx: ApiContext = { config, registry, manager, runner, metrics, auth, isReady: () => ready };
  const features: Feature[] = FEATURES.map((make) => make(ctx, logger));
  const app = await buildApp(ctx, { logger, routeSets: features.map((f) => (a) => f.routes(a)) });
  registry.on('state', (e) =>
    logger.info({ plugin: e.name, state: e.state, reason_code: e.reason_code }, `plugin ${e.name} → ${e.state}`),
  );

  const loaded = manager
    .startAll()
    .catch((err: unknown) => logger.error({ err }, 'plugin loading failed'))
    .then(async () => {
      for (const f of features) await f.start?.();
      ready = true;
    });

  let closing: Promise<void> | null = null;
  return {
    app,
    features,
    ctx,
    logger,
    isolation,
    loaded,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    close() {
      closing ??= (async () => {
        ready = false;
        await loaded;
        for (const f of features) await f.stop?.();
        await Promise.all([app.close(), manager.stopAll(config.file.shutdownGraceMs)]);
      })();
      return closing;
    },
  };
}
