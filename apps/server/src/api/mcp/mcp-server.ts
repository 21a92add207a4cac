import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { SERVER_ROOT } from '../../paths.js';
import type { ApiContext } from '../context.js';
import { isUnexpected, toCoded } from '../../errors/coded.js';
import { isPlainObject } from '../../schemas/mcp-view.js';
import type { McpCatalog } from './catalog.js';
import { imageContent } from './images.js';
import { errorResult, successResult } from './results.js';

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
 * of the shared catalog and runs calls through the runner's prepare/run, like every other surface.
 */
export function createMcpServer(ctx: ApiContext, catalog: McpCatalog, logger: Logger): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true } },
    instructions: INSTRUCTIONS,
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: catalog.listed() }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const { plugin, tool, entry } = catalog.resolve(name);
    const progressToken = request.params._meta?.progressToken;
    try {
      const call = ctx.runner.prepare(plugin, tool, args ?? {});
      const done = await ctx.runner.run(call, {
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
      // The tool as it ran (a reload between listing and calling gives a new one).
      const view = ctx.registry.tool(plugin, tool)?.mcp ?? entry?.info.mcp ?? null;
      const wraps = view?.wraps ?? !isPlainObject(done.result);
      return successResult(done, wraps, imageContent(view, done.result));
    } catch (err) {
      const error = toCoded(err);
      ctx.metrics.countError(error.code, 'mcp');
      if (isUnexpected(error)) logger.error({ err: error, tool: name }, 'MCP tool call failed unexpectedly');
      return errorResult(error, Boolean(entry?.info.outputSchema));
    }
  });

  return server;
}
