import type { ConfigFile } from '../../config/schema.js';

/**
 * Node server timeouts against slow clients: headers must arrive within `headersTimeoutMs` and the whole request
 * within `requestTimeoutMs` (fastify would otherwise switch Node's request timeout off), and idle keep-alive
 * connections close after `keepAliveTimeoutMs`. Node enforces the first two on a periodic sweep; it runs at a
 * quarter of the shorter limit, so a limit is enforced within 25 % of its value. A request still being answered
 * (a long tool call, an SSE stream) is not cut: these bound only how long the client takes to send.
 */
export function serverTimeouts(file: Pick<ConfigFile, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>) {
  const requestTimeout = file.requestTimeoutMs;
  const headersTimeout = Math.min(file.headersTimeoutMs, requestTimeout);
  return {
    requestTimeout,
    keepAliveTimeout: file.keepAliveTimeoutMs,
    http: {
      requestTimeout,
      headersTimeout,
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(headersTimeout / 4))),
    },
  };
}
