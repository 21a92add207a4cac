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

/** One JSON-RPC 2.0 message a client POSTs to `/mcp` (request, notification or response); the SDK checks the rest. */
export const JsonRpcMessageSchema = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number()]).optional(),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** The body of `POST /mcp`: one message or a batch. */
export const JsonRpcBodySchema = z.union([JsonRpcMessageSchema, z.array(JsonRpcMessageSchema)]);
