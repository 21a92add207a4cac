import { RealtimeServerMessageSchema } from '@bastion/protocol';
import type { RealtimeServerMessage } from '@bastion/protocol';

/**
 * Checks one `/v1/realtime` message from the server against the protocol's own schema (the one the server's
 * messages are built from). Anything else — bad JSON, an unknown type, a field of the wrong type or out of range —
 * is `null` and dropped by the client instead of reaching a component as a half-shaped object.
 */
export function parseServerMessage(text: unknown): RealtimeServerMessage | null {
  if (typeof text !== 'string') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = RealtimeServerMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
