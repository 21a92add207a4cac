import type { FastifyInstance } from 'fastify';
import { applyCorsHeaders, isPreflight, preflightHeaders } from './cors.js';
import { createHostCheck } from './host.js';
import { createOriginCheck } from './origin.js';

export interface GuardConfig {
  /** The address the server binds to (`--host`). */
  host: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

/**
 * The edge checks every request passes first — REST, both WebSocket upgrades (they go through the same routing)
 * and /mcp, with or without keys: the Host check (DNS rebinding), the Origin check (cross-site requests), and CORS
 * for operator-listed origins. They run before auth, body parsing and any plugin work.
 */
export function installGuards(app: FastifyInstance, config: GuardConfig): void {
  const checkHost = createHostCheck(config.host, config.allowedHosts);
  const checkOrigin = createOriginCheck(config.allowedOrigins);

  // Callback-style hooks (sync throws are handled like rejections): an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    const { headers } = request;
    checkHost(headers.host);
    const verdict = checkOrigin(headers.origin, headers.host);
    if (verdict !== 'listed') return done();
    applyCorsHeaders(reply.raw, headers.origin as string);
    // Answered here, before routing to a handler and before auth: a preflight carries no key.
    if (isPreflight(request.method, headers)) {
      reply.code(204).headers(preflightHeaders()).send();
      return;
    }
    done();
  });

  // An upgrade request answered over HTTP (refused here or by auth, or not a WebSocket route) is on a socket
  // Node no longer manages: close it once the answer is written, or it stays open until the client leaves.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.headers.upgrade !== undefined) reply.raw.socket?.end();
    done();
  });
}
