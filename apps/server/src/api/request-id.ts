import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header a request id arrives in (from a proxy or a client) and is answered in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A forwarded id is kept only when it is a plain token: it ends up in log lines and must not forge them. */
const TOKEN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of one request (fastify's `genReqId`): the caller's `X-Request-Id` when it is a plain token, so a trace
 * through a proxy keeps one id, else a fresh UUID (unique across restarts and nodes, unlike a counter).
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && TOKEN.test(given) ? given : randomUUID();
}
