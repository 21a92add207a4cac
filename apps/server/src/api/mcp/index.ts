import type { Logger } from 'pino';
import type { Feature, FeatureFactory } from '../feature.js';
import type { ApiContext } from '../context.js';
import { McpCatalog } from './catalog.js';
import { mcpRoutes } from './http.js';
import { watchToolList } from './list-changed.js';
import { createMcpServer } from './mcp-server.js';
import { DEFAULT_SESSION_LIMITS, SessionStore, type SessionLimits } from './sessions.js';

export interface McpFeature extends Feature {
  readonly sessions: SessionStore;
}

/** The MCP surface (docs/mcp.md): every available plugin tool as an MCP tool at /mcp. */
export function createMcpFeature(
  ctx: ApiContext,
  logger: Logger,
  limits: SessionLimits = DEFAULT_SESSION_LIMITS,
): McpFeature {
  const log = logger.child({ component: 'mcp' });
  const catalog = new McpCatalog(ctx.registry);
  const sessions = new SessionStore(() => createMcpServer(ctx, catalog, log), log, limits);
  const unwatch = watchToolList(ctx.registry, () => sessions.broadcastToolListChanged());
  return {
    name: 'mcp',
    sessions,
    routes: (app) => mcpRoutes(app, sessions, log, (code) => ctx.metrics.countError(code, 'mcp')),
    async stop() {
      unwatch();
      await sessions.closeAll();
    },
  };
}

export const mcpFeature: FeatureFactory = (ctx, logger) => createMcpFeature(ctx, logger);
