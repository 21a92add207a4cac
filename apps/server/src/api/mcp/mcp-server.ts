import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { SERVER_ROOT } from '../../paths.js';
import type { ApiContext } from '../context.js';
import type { McpCatalog } from './catalog.js';
import { callTool, FastToolCalls } from './tool-call.js';

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

/** One session's MCP server and the tool calls it answers without the SDK's per-request work. */
export interface McpSessionServer {
  server: Server;
  calls: FastToolCalls;
}

/**
 * One low-level MCP server (one per session: the SDK binds a server to one transport). It exposes the plugin tools
 * of the shared catalog and runs calls through the runner's prepare/run, like every other surface; plain
 * `tools/call` requests are answered by {@link FastToolCalls} with the same function.
 */
export function createMcpServer(ctx: ApiContext, catalog: McpCatalog, logger: Logger): McpSessionServer {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true } },
    instructions: INSTRUCTIONS,
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: catalog.listed() }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const progressToken = request.params._meta?.progressToken;
    return callTool(ctx, catalog, logger, { name, arguments: args, progressToken }, extra.signal, (pct, stage) => {
      if (progressToken === undefined) return;
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress: pct, total: 100, ...(stage ? { message: stage } : {}) },
        })
        .catch(() => {}); // the client went away; the call itself decides the outcome
    });
  });

  return { server, calls: new FastToolCalls(ctx, catalog, logger) };
}
