import websocket from '@fastify/websocket';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Feature, FeatureServices } from '../feature.js';
import { BastionError } from '../../errors/bastion-error.js';
import type { ApiContext } from '../context.js';
import { StreamSession } from '../stream/session.js';
import { RealtimeHub } from './hub.js';

export interface RealtimeFeature extends Feature {
  hub: RealtimeHub;
}

/**
 * WebSocket auth: the usual headers, or `?key=` for browsers (which cannot set headers on a WebSocket). A
 * refused key answers the upgrade request with the HTTP error (401/403) in the project's error shape.
 */
function checkWsAuth(ctx: ApiContext, request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined;
  const key = query?.key;
  const headers =
    typeof key === 'string' && key && !request.headers['x-api-key'] && !request.headers.authorization
      ? { ...request.headers, 'x-api-key': key }
      : request.headers;
  ctx.auth.check('user', headers);
}

const needsUpgrade = (path: string) => async (_request: FastifyRequest, _reply: FastifyReply) => {
  throw new BastionError(
    'BAD_REQUEST',
    `${path} is a WebSocket endpoint; connect with a WebSocket client (Upgrade: websocket)`,
  );
};

/** `/v1/realtime` (server push) and `/v1/stream` (live frames) over one @fastify/websocket registration. */
export function realtimeFeature(ctx: ApiContext, logger: Logger, { jobs }: FeatureServices): RealtimeFeature {
  const file = ctx.config.file;
  const maxFrameBytes = file.maxFrameMb * 1024 * 1024;
  const hub = new RealtimeHub(ctx.registry, jobs, logger, {
    heartbeatMs: file.wsHeartbeatMs,
    onError: (code) => ctx.metrics.countError(code, 'realtime'),
  });
  return {
    name: 'realtime',
    hub,
    async routes(root) {
      // Its own encapsulated scope: @fastify/websocket adds an onRequest and an onResponse hook (and wraps the
      // handler) of every route in the scope it is registered in; at the root that cost every REST call about a
      // quarter of a trivial route's throughput. Upgrades to other routes are still closed by the guard's hook.
      await root.register(async (app) => {
        await app.register(websocket, {
          // Hard limit: a bigger message makes ws close the connection (1009). Below it, each endpoint applies its
          // own limit and answers an error message, keeping the connection.
          options: { maxPayload: Math.ceil((maxFrameBytes * 4) / 3) * 2 + 1024 * 1024 },
          errorHandler: (err, socket) => {
            logger.debug({ err }, 'websocket error');
            socket.terminate();
          },
        });
        // The ws server stays reachable from the app, as it was when registered at the root.
        root.decorate('websocketServer', app.websocketServer);
        const onRequest = async (request: FastifyRequest): Promise<void> => checkWsAuth(ctx, request);
        app.route({
          method: 'GET',
          url: '/v1/realtime',
          config: { access: 'public' },
          schema: { summary: 'WebSocket: plugin and job events (see docs/jobs.md)' },
          onRequest,
          handler: needsUpgrade('/v1/realtime'),
          wsHandler: (socket) => hub.attach(socket),
        });
        app.route({
          method: 'GET',
          url: '/v1/stream',
          config: { access: 'public' },
          schema: { summary: 'WebSocket: run a tool on live frames, latest wins (see docs/jobs.md)' },
          onRequest,
          handler: needsUpgrade('/v1/stream'),
          wsHandler: (socket, request) => {
            hub.keepAlive(socket);
            StreamSession.open(socket, request.query, {
              runner: ctx.runner,
              registry: ctx.registry,
              logger,
              maxFrameBytes,
              onError: (code) => ctx.metrics.countError(code, 'stream'),
              tracing: ctx.tracing,
              traceparent: typeof request.headers.traceparent === 'string' ? request.headers.traceparent : null,
            });
          },
        });
      });
    },
    stop: () => hub.stop(),
  };
}
