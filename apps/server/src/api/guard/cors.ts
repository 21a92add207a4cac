import type { ServerResponse } from 'node:http';

/** Request headers a page may send: content type, the two key headers, and the MCP transport's own. */
const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-api-key',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
];
/** Response headers a page may read: the MCP session id, Retry-After, a new job's Location. */
const EXPOSED_HEADERS = ['mcp-session-id', 'mcp-protocol-version', 'retry-after', 'location'];
const ALLOWED_METHODS = ['GET', 'POST', 'DELETE'];

/**
 * CORS for origins the operator lists (and only those: the web UI is same-origin and needs none). Headers are
 * set on the raw response so that they also reach answers written by hijacked routes (MCP, WebSocket refusals).
 * No credentials: Bastion uses key headers, never cookies.
 */
export function applyCorsHeaders(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
}

/** A CORS preflight: OPTIONS with `Origin` and `Access-Control-Request-Method`. */
export function isPreflight(method: string, headers: Record<string, unknown>): boolean {
  return method === 'OPTIONS' && typeof headers.origin === 'string' && 'access-control-request-method' in headers;
}

/** Writes the answer to a preflight from a listed origin: 204 with what may be sent. */
export function preflightHeaders(): Record<string, string> {
  return {
    'access-control-allow-methods': ALLOWED_METHODS.join(', '),
    'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
    'access-control-max-age': '600',
  };
}
