import type { CallToolResult, ImageContent, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorInfo } from '@bastion/protocol';
import type { BastionError } from '../../errors/bastion-error.js';
import type { CallResult } from '../../runner/tool-runner.js';
import { isPlainObject } from '../../schemas/mcp-view.js';

/**
 * Whether a result is the structuredContent itself: an object, of a tool whose output schema does not wrap it;
 * anything else goes into structuredContent as `{result: <value>}`.
 */
function isOwnStructure(result: unknown, toolWraps: boolean): result is Record<string, unknown> {
  return !toolWraps && isPlainObject(result);
}

/**
 * A successful call: the result as structuredContent and, for clients that only read text (the MCP spec asks a
 * tool returning structured content to send it as text too), the worker's own JSON text, not serialised again.
 * An object result is the structuredContent itself; anything else (and every result of a tool whose outputSchema
 * is not an object schema) is wrapped as `{result: <value>}`. Images the output schema declares follow the text
 * as `image` items (images.ts).
 */
export function successResult(
  call: Pick<CallResult, 'result' | 'resultJson'>,
  wrap: boolean,
  images: ImageContent[] = [],
): CallToolResult {
  const { result } = call;
  const structuredContent = isOwnStructure(result, wrap) ? result : { result };
  return { content: [{ type: 'text', text: call.resultJson }, ...images], structuredContent };
}

/**
 * The JSON-RPC response of a successful call as text, the same message as {@link successResult} in a response, but
 * with the worker's JSON text spliced in as structuredContent: the result is not serialised again, only escaped
 * once into the text content.
 */
export function successResponseJson(
  id: RequestId,
  call: Pick<CallResult, 'result' | 'resultJson'>,
  wrap: boolean,
  images: ImageContent[] = [],
): string {
  const structured = isOwnStructure(call.result, wrap) ? call.resultJson : `{"result":${call.resultJson}}`;
  const content = [
    `{"type":"text","text":${JSON.stringify(call.resultJson)}}`,
    ...images.map((i) => JSON.stringify(i)),
  ];
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[${content.join(',')}],"structuredContent":${structured}}}`;
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
