import type { CallToolResult, ImageContent } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorInfo } from '@bastion/protocol';
import { BastionError } from '../../errors/bastion-error.js';
import { isPlainObject } from './catalog.js';

/**
 * A successful call: the result as JSON text (for clients that only read text) and as structuredContent. An
 * object result is the structuredContent itself; anything else (and every result of a tool whose outputSchema is
 * not an object schema) is wrapped as `{result: <value>}`. Images the output schema declares follow the text
 * as `image` items (images.ts).
 */
export function successResult(result: unknown, wrap: boolean, images: ImageContent[] = []): CallToolResult {
  const structured = wrap || !isPlainObject(result) ? { result } : result;
  return { content: [{ type: 'text', text: JSON.stringify(result) }, ...images], structuredContent: structured };
}

/**
 * A failed call, never a protocol error: `isError: true` and the error `{code, message, plugin?, tool?,
 * details?}` of docs/errors.md as JSON text. The same object is the structuredContent, except for tools that declare
 * an outputSchema: MCP clients validate structuredContent against it (the SDK's client rejects the whole result
 * otherwise), so there the error travels in the text only.
 */
export function errorResult(err: BastionError, toolHasOutputSchema: boolean): CallToolResult {
  const info: ErrorInfo = err.toInfo();
  const result: CallToolResult = { isError: true, content: [{ type: 'text', text: JSON.stringify(info) }] };
  if (!toolHasOutputSchema) result.structuredContent = { ...info };
  return result;
}

/** Anything thrown by a call, as a coded error; unexpected throws are host bugs (INTERNAL_ERROR). */
export function toCodedError(err: unknown): { error: BastionError; unexpected: boolean } {
  if (err instanceof BastionError) return { error: err, unexpected: false };
  return { error: new BastionError('INTERNAL_ERROR', 'internal error; see the server log'), unexpected: true };
}
