import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { Access } from './auth.js';
import type { ApiContext } from './context.js';
import { installErrorHandling, sendError, toBastionError } from './error-handler.js';
import { registerOpenApi } from './openapi/document.js';
import { healthRoutes } from './routes/health.js';
import { pluginRoutes } from './routes/plugins.js';
import { probeRoutes } from './routes/probes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** Extra route sets (jobs, realtime, MCP) plug in here so every surface shares one app and one error shape. */
export type RouteSet = (app: FastifyInstance) => void | Promise<void>;

/** Builds the HTTP app: routes, auth, one error shape for everything, OpenAPI at /openapi.json. */
export async function buildApp(
  ctx: ApiContext,
  options: { logger?: FastifyBaseLogger; routeSets?: RouteSet[] } = {},
): Promise<FastifyInstance> {
  const maxBytes = ctx.config.file.maxUploadMb * 1024 * 1024;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Per-request lines would dominate the log at 50 calls/s; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBytes,
    routerOptions: { maxParamLength: 1024 },
    // Errors fastify raises before a route runs keep the project's error shape.
    frameworkErrors: (err, _request, reply) => {
      const coded = toBastionError(err);
      ctx.metrics.countError(coded.code);
      return sendError(reply, coded);
    },
  });
  // Plain text is not an accepted body anywhere.
  app.removeContentTypeParser(['text/plain']);
  installErrorHandling(app, ctx.metrics.countError);

  await app.register(multipart, {
    limits: { fileSize: maxBytes, files: 16, fields: 64, parts: 80, fieldSize: 16 * 1024 * 1024 },
  });
  await registerOpenApi(app);

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access ?? 'user';
    ctx.auth.check(access, request.headers);
  });

  healthRoutes(app, ctx);
  probeRoutes(app, ctx);
  pluginRoutes(app, ctx);
  for (const routes of options.routeSets ?? []) await routes(app);

  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
