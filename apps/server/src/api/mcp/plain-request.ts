import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { isPlainObject } from '../../schemas/mcp-view.js';

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

/**
 * The progress token of a request's `_meta` that holds nothing else (undefined: no `_meta` or no token), or null
 * for any other `_meta` (a related task, for one), which is the SDK's to handle.
 */
export function onlyProgressToken(meta: unknown): string | number | undefined | null {
  if (meta === undefined) return undefined;
  if (!isPlainObject(meta)) return null;
  for (const key in meta) if (key !== 'progressToken') return null;
  const token = meta.progressToken;
  if (token === undefined || typeof token === 'string') return token;
  return typeof token === 'number' && Number.isInteger(token) ? token : null;
}

/**
 * A request whose shape is plainly valid (what JSONRPCMessageSchema accepts as a request, with `_meta` holding at
 * most a progress token), checked without the schema, which costs more than a trivial call's own work; null sends
 * the message through the schema.
 */
export function plainRequest(m: unknown): JSONRPCRequest | null {
  if (!isPlainObject(m) || m.jsonrpc !== '2.0' || typeof m.method !== 'string') return null;
  if (typeof m.id !== 'string' && !Number.isInteger(m.id)) return null;
  for (const key in m) if (!REQUEST_KEYS.has(key)) return null;
  const params = m.params;
  if (params === undefined) return m as unknown as JSONRPCRequest;
  if (!isPlainObject(params) || onlyProgressToken(params._meta) === null) return null;
  return m as unknown as JSONRPCRequest;
}
