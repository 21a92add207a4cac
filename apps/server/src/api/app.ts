import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { Access } from './auth.js';
import type { ApiContext } from './context.js';
import { utf8Text } from '../encoding/utf8.js';
import { parseJsonText } from './body.js';
import { clientErrorHandler, installErrorHandling, sendError, toBastionError } from './error-handler.js';
import { installGuards } from './guard/index.js';
import { serverTimeouts } from './guard/timeouts.js';
import { isOAuthProbe } from './oauth-probes.js';
import { registerOpenApi } from './openapi/document.js';
import { lazyRequestLogger } from './request-logger.js';
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
  const { config } = ctx;
  const file = config.file;
  const maxBytes = file.maxUploadMb * 1024 * 1024;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Per-request lines would dominate the log at 50 calls/s; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: maxBytes,
    routerOptions: { maxParamLength: 1024 },
    // Slow clients (slow-loris headers or bodies, idle keep-alives) cannot hold connections open for ever.
    ...serverTimeouts(file),
    clientErrorHandler: clientErrorHandler(ctx.metrics.countError),
    // Errors fastify raises before a route runs keep the project's error shape.
    frameworkErrors: (err, _request, reply) => {
      const coded = toBastionError(err);
      ctx.metrics.countError(coded.code);
      return sendError(reply, coded);
    },
  });
  // JSON bodies are parsed by one parser that also refuses deep nesting and __proto__/constructor keys; plain
  // text is not an accepted body anywhere.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, body.length === 0 ? undefined : parseJsonText(utf8Text(body as Buffer)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  installErrorHandling(app, ctx.metrics.countError);
  installGuards(app, {
    host: config.host,
    allowedHosts: [...file.allowedHosts, ...config.allowedHosts],
    allowedOrigins: [...file.allowedOrigins, ...config.allowedOrigins],
  });

  await app.register(multipart, {
    limits: { fileSize: maxBytes, files: 16, fields: 64, parts: 80, fieldSize: 16 * 1024 * 1024 },
  });
  await registerOpenApi(app);

  // Callback-style hooks: an async hook costs a promise and a microtask hop on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    // A route without an access level is unknown (404); OAuth probes get that 404 without a key (oauth-probes.ts).
    const access = request.routeOptions.config.access ?? (isOAuthProbe(request.url) ? 'public' : 'user');
    ctx.auth.check(access, request.headers); // a throw here is handled by fastify like a rejected hook
    done();
  });

  healthRoutes(app, ctx);
  probeRoutes(app, ctx);
  pluginRoutes(app, ctx);
  for (const routes of options.routeSets ?? []) await routes(app);

  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
