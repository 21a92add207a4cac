import { z } from 'zod';

/**
 * The JSON-RPC error `/mcp` answers for HTTP-level problems (bad JSON, no or unknown session), as the MCP SDK's
 * transport does. Failed tool calls are not errors at this level: they are results with `isError: true`.
 */
export const JsonRpcErrorResponseSchema = z.object({
  jsonrpc: z.literal('2.0'),
  error: z.object({ code: z.number().int(), message: z.string() }),
  id: z.union([z.string(), z.number(), z.null()]),
});
export type JsonRpcErrorResponse = z.infer<typeof JsonRpcErrorResponseSchema>;
