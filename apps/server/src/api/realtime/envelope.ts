import { stringifyWith } from '../../encoding/raw-json.js';

/** A realtime or stream message: `{type, payload, timestamp}` as JSON text. */
export function envelope<T extends string>(type: T, payload: unknown): string {
  return JSON.stringify({ type, payload, timestamp: new Date().toISOString() });
}

/**
 * The same message for a payload carrying a result that is JSON text already (the worker's, checked by the runner):
 * it is spliced in at `result` rather than parsed and serialised again.
 */
export function envelopeWithResult<T extends string>(
  type: T,
  payload: Record<string, unknown> & { result: null },
  resultJson: string,
): string {
  const body = stringifyWith(payload, 'result', resultJson);
  return `{"type":${JSON.stringify(type)},"payload":${body},"timestamp":${JSON.stringify(new Date().toISOString())}}`;
}
