import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { SessionStore } from './sessions.js';

/** JSON-RPC error codes the SDK's transport uses for HTTP-level problems. */
const PARSE_ERROR = -32700;
const SERVER_ERROR = -32000;
const SESSION_NOT_FOUND = -32001;
const INTERNAL_ERROR = -32603;

function rpcError(reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** JSON.parse that drops `__proto__` keys (they could only ever be an attack on the objects built from them). */
function parseJson(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
}

function isJsonRpc(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.length > 0 && messages.every((m) => JSONRPCMessageSchema.safeParse(m).success);
}

/**
 * POST/GET/DELETE /mcp: Streamable HTTP with sessions. Requests of a session go to its transport; an initialize
 * request without a session id opens a new session; everything else gets the JSON-RPC error and HTTP status the
 * SDK's transport would give. Auth is the app's onRequest hook (same keys as REST, role user).
 */
export async function mcpRoutes(app: FastifyInstance, sessions: SessionStore, logger: Logger): Promise<void> {
  await app.register(async (scope) => {
    // MCP bodies are read as text here and parsed below, so that malformed JSON and wrong content types get the
    // transport's JSON-RPC answers rather than REST errors. The body limit is the app's.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.route({
      method: ['GET', 'POST', 'DELETE'],
      url: '/mcp',
      config: { access: 'user' },
      schema: {
        summary:
          'MCP over Streamable HTTP (JSON-RPC): POST messages, GET the notification stream, DELETE a session. See docs/mcp.md',
        tags: ['mcp'],
      },
      handler: (request, reply) => handle(request, reply),
    });
  });

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const header = request.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' && header ? header : undefined;
    let body: unknown;
    if (request.method === 'POST' && typeof request.body === 'string') {
      try {
        body = parseJson(request.body);
      } catch {
        return rpcError(reply, 400, PARSE_ERROR, 'Parse error: Invalid JSON');
      }
    }

    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return rpcError(reply, 404, SESSION_NOT_FOUND, 'Session not found');
      sessions.track(session, reply.raw);
      return forward(session.transport, request, reply, body);
    }
    if (request.method === 'POST' && isInitializeRequest(body)) {
      const pending = await sessions.create();
      try {
        await forward(pending.transport, request, reply, body);
      } finally {
        await pending.settle();
      }
      return;
    }
    if (request.method === 'POST' && body !== undefined && !isJsonRpc(body)) {
      return rpcError(reply, 400, PARSE_ERROR, 'Parse error: Invalid JSON-RPC message');
    }
    return rpcError(reply, 400, SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');
  }

  async function forward(
    transport: StreamableHTTPServerTransport,
    request: FastifyRequest,
    reply: FastifyReply,
    body: unknown,
  ): Promise<void> {
    reply.hijack();
    const res = reply.raw;
    try {
      await transport.handleRequest(request.raw, res, body);
    } catch (err) {
      // A host bug: the SDK answers every bad request itself.
      logger.error({ err }, 'MCP request failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: INTERNAL_ERROR, message: 'Internal error' }, id: null }),
        );
      } else {
        res.end();
      }
    }
  }
}
