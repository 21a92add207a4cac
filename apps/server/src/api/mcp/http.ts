import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NodeStreamableTransport } from './transport.js';
import { isInitializeRequest, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { keyFingerprint } from '../auth.js';
import { parseJsonText } from '../body.js';
import { utf8Text } from '../../encoding/utf8.js';
import { sendError } from '../error-handler.js';
import { BastionError } from '../../errors/bastion-error.js';
import { codeOfStatus } from '../../errors/coded.js';
import { sameOwner, type SessionStore } from './sessions.js';

/** JSON-RPC error codes the SDK's transport uses for HTTP-level problems. */
const PARSE_ERROR = -32700;
const SERVER_ERROR = -32000;
const SESSION_NOT_FOUND = -32001;
const RPC_INTERNAL = -32603;

/** Methods /mcp answers; the others get 405 with an `Allow` header. */
const MCP_METHODS = ['GET', 'POST', 'DELETE'];

function isJsonRpc(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.length > 0 && messages.every((m) => JSONRPCMessageSchema.safeParse(m).success);
}

/**
 * POST/GET/DELETE /mcp: Streamable HTTP with sessions. Requests of a session go to its transport; an initialize
 * request without a session id opens a new session; everything else gets the JSON-RPC error and HTTP status the
 * SDK's transport would give. Auth is the app's onRequest hook (same keys as REST, role user).
 */
export async function mcpRoutes(
  app: FastifyInstance,
  sessions: SessionStore,
  logger: Logger,
  countError: (code: string) => void = () => {},
): Promise<void> {
  await app.register(async (scope) => {
    // MCP bodies are read as text here and parsed below, so that malformed JSON and wrong content types get the
    // transport's JSON-RPC answers rather than REST errors. The body limit is the app's.
    scope.removeAllContentTypeParsers();
    // 'application/json' by name as well: fastify finds a named parser without parsing the Content-Type header.
    scope.addContentTypeParser(['application/json', '*'], { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );

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
    // HEAD is fastify's automatic twin of GET; every other method fastify knows is answered here.
    const others = scope.supportedMethods.filter((m) => !MCP_METHODS.includes(m) && m !== 'HEAD');
    scope.route({
      method: others,
      url: '/mcp',
      config: { access: 'public' },
      schema: { hide: true },
      handler: (request, reply) => {
        countError('BAD_REQUEST');
        const err = new BastionError('BAD_REQUEST', `/mcp does not accept ${request.method}; use GET, POST or DELETE`);
        return reply
          .code(405)
          .header('allow', MCP_METHODS.join(', '))
          .type('application/json; charset=utf-8')
          .send(err.toBody());
      },
    });
  });

  function rpcError(reply: FastifyReply, status: number, code: number, message: string, count = true): FastifyReply {
    if (count) countError(codeOfStatus(status));
    return reply.code(status).type('application/json').send({ jsonrpc: '2.0', error: { code, message }, id: null });
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const header = request.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' && header ? header : undefined;
    let body: unknown;
    if (request.method === 'POST' && Buffer.isBuffer(request.body)) {
      try {
        body = parseJsonText(utf8Text(request.body), 'the JSON-RPC message');
      } catch (err) {
        return rpcError(reply, 400, PARSE_ERROR, `Parse error: ${(err as Error).message}`);
      }
    }

    const owner = keyFingerprint(request.headers);
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return rpcError(reply, 404, SESSION_NOT_FOUND, 'Session not found');
      // A session id is not a credential: only the key that opened the session may use it.
      if (!sameOwner(session.owner, owner)) {
        countError('FORBIDDEN');
        return sendError(reply, new BastionError('FORBIDDEN', 'this MCP session was opened with another API key'));
      }
      sessions.track(session, reply.raw);
      return forward(session.transport, request, reply, body);
    }
    if (request.method === 'POST' && isInitializeRequest(body)) {
      const pending = await sessions.create(owner);
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
    // A GET without a session is a client probing for a standalone SSE stream (mcp-remote does on every start):
    // answered like the SDK does, but normal use, not an error in the metrics.
    return rpcError(
      reply,
      400,
      SERVER_ERROR,
      'Bad Request: Mcp-Session-Id header is required',
      request.method !== 'GET',
    );
  }

  async function forward(
    transport: NodeStreamableTransport,
    request: FastifyRequest,
    reply: FastifyReply,
    body: unknown,
  ): Promise<void> {
    reply.hijack();
    const res = reply.raw;
    try {
      await transport.handleRequest(request.raw, res, body);
      // The SDK's own refusals (406 wrong Accept, 415 wrong content type, …) count like ours.
      if (res.statusCode >= 400) countError(codeOfStatus(res.statusCode));
    } catch (err) {
      // A host bug: the SDK answers every bad request itself.
      logger.error({ err }, 'MCP request failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: RPC_INTERNAL, message: 'Internal error' }, id: null }));
      } else {
        res.end();
      }
    }
  }
}
