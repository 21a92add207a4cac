import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { keyId } from './auth.js';

export type AccessLogger = Pick<Logger, 'info'>;

/** Longest request path written for a request that matched no route (its own text, from the client). */
const MAX_PATH_CHARS = 200;

/**
 * The access log (`--access-log`, or at log level debug): one line per answered request with method, route (the
 * pattern, e.g. `/v1/plugins/:name/health`; the path for an unknown one), status, error code, duration, request
 * id, key id (never the key) and remote address. Off by default: at 50 calls/s it would dominate the log.
 */
export function installAccessLog(app: FastifyInstance, log: AccessLogger): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? (request.url.split('?')[0] ?? '').slice(0, MAX_PATH_CHARS);
    log.info(
      {
        access: true,
        reqId: request.id,
        method: request.method,
        route,
        status: reply.statusCode,
        code: reply.errorCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        key_id: keyId(request.headers),
        remote: request.ip,
      },
      `${request.method} ${route} ${reply.statusCode}`,
    );
    done();
  });
}
