import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { SERVER_ROOT } from '../../paths.js';
import type { ApiContext } from '../context.js';
import { catalog, isPlainObject, resolveName, toMcpTool, wrapsOutput } from './catalog.js';
import { imageContent } from './images.js';
import { errorResult, successResult, toCodedError } from './results.js';

function serverVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(SERVER_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const SERVER_INFO = { name: 'bastion', title: 'Bastion', version: serverVersion() };

const INSTRUCTIONS =
  'Bastion runs computer-vision plugins (OCR, object detection, motion, tracking) in sandboxes. Each tool is ' +
  'named <plugin>__<tool>. Pass images and other binary arguments as base64 strings (a data: URL works too). ' +
  'A failed call returns isError with a JSON {code, message}; codes are stable (e.g. INVALID_INPUT, TOOL_ERROR, ' +
  'PLUGIN_TIMEOUT, PLUGIN_CRASHED, PLUGIN_FAILED). The tool list changes when plugins fail or are restarted.';

/**
 * One low-level MCP server (one per session: the SDK binds a server to one transport). It exposes the plugin tools
 * with their raw JSON Schemas and runs calls through the same ToolRunner, and so the same sandbox, as REST.
 */
export function createMcpServer(ctx: ApiContext, logger: Logger): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true } },
    instructions: INSTRUCTIONS,
  });

  server.setRequestHandler(ListToolsRequestSchema, () => {
    const tools = [...catalog(ctx.registry).values()]
      .filter((e) => e.available)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => toMcpTool(e, ctx.registry.manifest(e.plugin)?.description ?? null));
    return { tools };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const entries = catalog(ctx.registry);
    const entry = entries.get(name);
    const { plugin, tool } = resolveName(entries, name);
    const progressToken = request.params._meta?.progressToken;
    try {
      const { result } = await ctx.runner.run({
        plugin,
        tool,
        args: args ?? {},
        mode: 'direct',
        signal: extra.signal,
        onProgress:
          progressToken === undefined
            ? undefined
            : (pct, stage) => {
                extra
                  .sendNotification({
                    method: 'notifications/progress',
                    params: { progressToken, progress: pct, total: 100, ...(stage ? { message: stage } : {}) },
                  })
                  .catch(() => {}); // the client went away; the call itself decides the outcome
              },
      });
      const info = entry?.info ?? catalog(ctx.registry).get(name)?.info;
      return successResult(
        result,
        info ? wrapsOutput(info, result) : !isPlainObject(result),
        imageContent(info?.outputSchema ?? null, result),
      );
    } catch (err) {
      const { error, unexpected } = toCodedError(err);
      ctx.metrics.countError(error.code, 'mcp');
      if (unexpected) logger.error({ err, tool: name }, 'MCP tool call failed unexpectedly');
      return errorResult(error, Boolean(entry?.info.outputSchema));
    }
  });

  return server;
}
