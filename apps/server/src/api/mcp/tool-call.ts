import type {
  CallToolResult,
  ImageContent,
  JSONRPCMessage,
  JSONRPCRequest,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { isUnexpected, toCoded } from '../../errors/coded.js';
import { Cancel } from '../../runner/cancel.js';
import type { CallResult } from '../../runner/tool-runner.js';
import type { CancelSignal } from '../../sandbox/cancel.js';
import { isPlainObject } from '../../schemas/mcp-view.js';
import type { ApiContext } from '../context.js';
import type { McpCatalog } from './catalog.js';
import { imageContent } from './images.js';
import { onlyProgressToken } from './plain-request.js';
import { errorResult, successResponseJson, successResult } from './results.js';
import type { EncodedResponse } from './transport.js';

/** What a `tools/call` asks for. */
export interface ToolCallParams {
  name: string;
  arguments?: Record<string, unknown> | undefined;
  progressToken?: string | number | undefined;
}

/** How a tool call ended: the runner's result with how MCP shows it, or the error result. */
type ToolCallOutcome =
  { ok: true; done: CallResult; wraps: boolean; images: ImageContent[] } | { ok: false; result: CallToolResult };

/**
 * Runs an MCP tool call through the runner's prepare/run. Never throws: a failed call is a result with `isError`
 * (docs/mcp.md), counted under its code.
 */
async function runToolCall(
  ctx: ApiContext,
  catalog: McpCatalog,
  logger: Logger,
  params: ToolCallParams,
  signal: CancelSignal,
  progress: (pct: number, stage: string | null) => void,
): Promise<ToolCallOutcome> {
  const { plugin, tool, entry } = catalog.resolve(params.name);
  try {
    const call = ctx.runner.prepare(plugin, tool, params.arguments ?? {});
    const done = await ctx.runner.run(call, {
      mode: 'direct',
      signal,
      onProgress: params.progressToken === undefined ? undefined : progress,
    });
    // The tool as it ran (a reload between listing and calling gives a new one).
    const view = ctx.registry.tool(plugin, tool)?.mcp ?? entry?.info.mcp ?? null;
    return { ok: true, done, wraps: view?.wraps ?? false, images: imageContent(view, done.result) };
  } catch (err) {
    const error = toCoded(err);
    ctx.metrics.countError(error.code, 'mcp');
    if (isUnexpected(error)) logger.error({ err: error, tool: params.name }, 'MCP tool call failed unexpectedly');
    return { ok: false, result: errorResult(error, Boolean(entry?.info.outputSchema)) };
  }
}

/** {@link runToolCall} for the SDK's server: the result as an object. */
export async function callTool(...args: Parameters<typeof runToolCall>): Promise<CallToolResult> {
  const outcome = await runToolCall(...args);
  return outcome.ok ? successResult(outcome.done, outcome.wraps, outcome.images) : outcome.result;
}

/**
 * `tools/call` requests answered without the SDK's per-request machinery (its schema checks of the request and of
 * the result, an AbortController and handler bookkeeping per request), which cost a trivial call more host time
 * than the call itself. Only plain, well-formed calls take this way; anything else (a task-augmented call, odd
 * params) goes to the SDK's server, which answers it or refuses it as the SDK does. `notifications/cancelled`
 * for a call taken here cancels it, as the SDK would.
 */
export class FastToolCalls {
  readonly #running = new Map<RequestId, Cancel>();

  constructor(
    private readonly ctx: ApiContext,
    private readonly catalog: McpCatalog,
    private readonly logger: Logger,
  ) {}

  /** Takes a message if it is a call this answers (true), or a cancellation of one (false: the SDK sees it too). */
  take(message: JSONRPCMessage, reply: (message: JSONRPCMessage | EncodedResponse) => void): boolean {
    if (!('method' in message)) return false;
    if (message.method === 'notifications/cancelled') {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) this.#running.get(id)?.abort();
      return false;
    }
    if (message.method !== 'tools/call' || !('id' in message)) return false;
    const params = plainCall(message);
    if (!params || this.#running.has(message.id)) return false;
    const cancel = new Cancel();
    this.#running.set(message.id, cancel);
    const { id } = message;
    const token = params.progressToken ?? '';
    const progress = (pct: number, stage: string | null): void => {
      if (cancel.aborted) return;
      const note = { progressToken: token, progress: pct, total: 100, ...(stage ? { message: stage } : {}) };
      reply({ jsonrpc: '2.0', method: 'notifications/progress', params: note });
    };
    void runToolCall(this.ctx, this.catalog, this.logger, params, cancel, progress).then((outcome) => {
      this.#running.delete(id);
      // A cancelled request gets no answer (MCP's cancellation rule, as the SDK's server does).
      if (cancel.aborted) return;
      if (outcome.ok) reply({ id, json: successResponseJson(id, outcome.done, outcome.wraps, outcome.images) });
      else reply({ jsonrpc: '2.0', id, result: outcome.result });
    });
    return true;
  }

  /** Ends every call taken here (the session closed). */
  abortAll(): void {
    for (const cancel of this.#running.values()) cancel.abort();
  }
}

/** The params of a plain `tools/call` (name, object arguments, an optional progress token), else null. */
function plainCall(request: JSONRPCRequest): ToolCallParams | null {
  const p = request.params;
  if (!isPlainObject(p) || typeof p.name !== 'string' || 'task' in p) return null;
  const args = p.arguments;
  if (args !== undefined && !isPlainObject(args)) return null;
  const token = onlyProgressToken(p._meta);
  if (token === null) return null;
  return { name: p.name, arguments: args, progressToken: token };
}
