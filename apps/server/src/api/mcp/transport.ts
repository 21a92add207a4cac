import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { plainRequest } from './plain-request.js';

/** At most this many messages in one POSTed batch (as the SDK's own transport). */
const MAX_BATCH = 100;
/**
 * A POST's stream still waiting for its first message gets its headers after this long, so that a long call's
 * connection shows life (and carries keep-alive comments); answers quicker than this go out whole, in one write.
 */
const HEADERS_AFTER_MS = 1000;
/** An SSE comment on every open stream this often, so that idle connections are not cut by proxies. */
const KEEP_ALIVE_MS = 15_000;
/** Headers of an answer sent whole, with its length. */
const WHOLE_HEADERS: OutgoingHttpHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
/** Headers of a stream that stays open: no caching, no buffering or compression by proxies in between. */
const STREAM_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** The headers of an SSE answer, sent whole or as a stream. */
interface AnswerHeaders {
  whole: OutgoingHttpHeaders;
  stream: OutgoingHttpHeaders;
}

/** One HTTP response carrying SSE events: a POST's (its requests' answers) or the session's GET stream. */
class SseStream {
  #keepAlive: NodeJS.Timeout | null = null;
  /** Whether the headers were sent: the stream is open, its length unknown. */
  #open = false;
  #ended = false;

  constructor(
    readonly res: ServerResponse,
    readonly headers: AnswerHeaders,
    /** Request ids still unanswered (a POST stream ends once none is left); empty for the GET stream. */
    readonly pending: Set<RequestId>,
    onGone: () => void,
  ) {
    res.once('close', () => {
      if (this.#keepAlive) clearInterval(this.#keepAlive);
      if (!this.#ended) {
        this.#ended = true;
        onGone();
      }
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Writes one message, given as its JSON text; `last` ends the stream with it. */
  write(json: string, last: boolean): void {
    if (this.#ended) return;
    const event = `event: message\ndata: ${json}\n\n`;
    if (last) this.end(event);
    else {
      this.open();
      this.res.write(event);
    }
  }

  end(chunk = ''): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    if (!this.#open) {
      // The whole answer at once: sent with its length, in one write.
      this.#open = true;
      this.res.writeHead(200, { ...this.headers.whole, 'content-length': Buffer.byteLength(chunk) });
    }
    this.res.end(chunk);
  }

  /** Sends the headers: from now on events are written as they come (chunked), with keep-alive comments. */
  open(): void {
    if (this.#ended || this.#open) return;
    this.#open = true;
    this.res.writeHead(200, this.headers.stream);
    this.res.flushHeaders();
    this.#keepAlive = setInterval(() => this.res.write(': keepalive\n\n'), KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }
}

/** A JSON-RPC response already serialised (e.g. one with a plugin's result text spliced in), for `intercept`. */
export interface EncodedResponse {
  readonly id: RequestId;
  /** The whole response message as JSON text. */
  readonly json: string;
}

export interface NodeTransportOptions {
  sessionIdGenerator: () => string;
  /** Called once the session's initialize request is accepted, with its id. */
  onsessioninitialized?: (id: string) => void;
  /**
   * Sees each message before the protocol server does: true when it took the message (answering through `reply`,
   * which routes to the message's own response stream), false to pass it on.
   */
  intercept?: (message: JSONRPCMessage, reply: (message: JSONRPCMessage | EncodedResponse) => void) => boolean;
}

/**
 * The server side of MCP's Streamable HTTP transport (stateful sessions, SSE answers) written straight to Node's
 * responses. It answers as the SDK's StreamableHTTPServerTransport does — the same statuses and JSON-RPC errors for
 * wrong Accept or Content-Type, unknown sessions, unsupported protocol versions, batches, a second initialize — but
 * without converting every exchange to web Requests, Responses and ReadableStreams, which cost a trivial tool call
 * about four times the host CPU of the REST route (bench/README.md, "Call pipeline per surface").
 */
export class NodeStreamableTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  readonly #streams = new Map<RequestId, SseStream>();
  /** POST streams whose answer has not come yet, oldest first, with when they began (ms). */
  readonly #unopened = new Map<SseStream, number>();
  #opener: NodeJS.Timeout | null = null;
  #standalone: SseStream | null = null;
  #sessionHeaders: AnswerHeaders | null = null;
  #started = false;
  #initialized = false;
  #closed = false;

  constructor(private readonly options: NodeTransportOptions) {}

  async start(): Promise<void> {
    if (this.#started) throw new Error('Transport already started');
    this.#started = true;
  }

  /** Answers one HTTP exchange of the session; `body` is the POST body, already parsed as JSON. */
  async handleRequest(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    if (this.#closed) return rpcError(res, 404, -32001, 'Session not found');
    if (req.method === 'POST') return this.#post(req, res, body);
    if (req.method === 'GET') return this.#get(req, res);
    if (req.method === 'DELETE') return this.#delete(req, res);
    res.writeHead(405, { allow: 'GET, POST, DELETE', 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }));
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isResponse = isResponseMessage(message);
    const requestId = isResponse ? message.id : options?.relatedRequestId;
    if (requestId === undefined) {
      // Server-initiated (e.g. notifications/tools/list_changed): the GET stream, if the client keeps one open.
      if (isResponse) throw new Error('Cannot send a response on a standalone SSE stream');
      this.#standalone?.write(JSON.stringify(message), false);
      return;
    }
    this.#deliver(requestId, isResponse, JSON.stringify(message));
  }

  /** A message about a request (its response, or a notification while it runs) to that request's stream. */
  #deliver(requestId: RequestId, isResponse: boolean, json: string): void {
    const stream = this.#streams.get(requestId);
    if (!stream) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    if (!isResponse) {
      stream.write(json, false);
      return;
    }
    this.#streams.delete(requestId);
    stream.pending.delete(requestId);
    if (stream.pending.size === 0) this.#unopened.delete(stream);
    stream.write(json, stream.pending.size === 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#opener) clearInterval(this.#opener);
    this.#opener = null;
    this.#unopened.clear();
    for (const stream of new Set(this.#streams.values())) stream.end();
    this.#streams.clear();
    this.#standalone?.end();
    this.#standalone = null;
    this.onclose?.();
  }

  #post(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return this.#refuse(
        res,
        406,
        -32000,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    if (mediaType(req.headers['content-type']) !== 'application/json') {
      return this.#refuse(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    if (Array.isArray(body) && body.length > MAX_BATCH) {
      return this.#refuse(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`);
    }
    let messages: JSONRPCMessage[];
    try {
      messages = (Array.isArray(body) ? body : [body]).map((m) => plainRequest(m) ?? JSONRPCMessageSchema.parse(m));
    } catch {
      return this.#refuse(res, 400, -32700, 'Parse error: Invalid JSON-RPC message');
    }
    const initialize = messages.some((m) => isRequest(m) && m.method === 'initialize' && isInitializeRequest(m));
    if (initialize) {
      if (this.#initialized) return this.#refuse(res, 400, -32600, 'Invalid Request: Server already initialized');
      if (messages.length > 1) {
        return this.#refuse(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
      }
      this.sessionId = this.options.sessionIdGenerator();
      this.#initialized = true;
      this.options.onsessioninitialized?.(this.sessionId);
    } else if (!this.#checkSession(req, res) || !this.#checkVersion(req, res)) {
      return;
    }
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers } };
    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      // Only notifications or responses: accepted, nothing to answer.
      for (const m of messages) if (!this.options.intercept?.(m, () => {})) this.onmessage?.(m, extra);
      res.writeHead(202).end();
      return;
    }
    const stream = new SseStream(res, this.#headers(), new Set(requests.map((r) => r.id)), () => {
      this.#unopened.delete(stream);
      for (const r of requests) if (this.#streams.get(r.id) === stream) this.#streams.delete(r.id);
    });
    for (const r of requests) this.#streams.set(r.id, stream);
    this.#openSoon(stream);
    for (const m of messages) {
      if (this.options.intercept?.(m, (out) => this.#reply(out, m))) continue;
      this.onmessage?.(m, extra);
    }
  }

  /** An answer or notification of a request taken by `intercept`, to that request's stream. */
  #reply(message: JSONRPCMessage | EncodedResponse, to: JSONRPCMessage): void {
    try {
      if (!('jsonrpc' in message)) this.#deliver(message.id, true, message.json);
      else void this.send(message, { relatedRequestId: 'id' in to ? to.id : undefined });
    } catch (err) {
      this.onerror?.(err as Error);
    }
  }

  #get(req: IncomingMessage, res: ServerResponse): void {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return this.#refuse(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (!this.#checkSession(req, res) || !this.#checkVersion(req, res)) return;
    if (this.#standalone && !this.#standalone.ended) {
      return this.#refuse(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    }
    const stream: SseStream = new SseStream(res, this.#headers(), new Set(), () => {
      if (this.#standalone === stream) this.#standalone = null;
    });
    stream.open();
    this.#standalone = stream;
  }

  async #delete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.#checkSession(req, res) || !this.#checkVersion(req, res)) return;
    res.writeHead(200).end();
    await this.close();
  }

  /**
   * A fast call's answer goes out with the headers, in one write and with its length; a slow one's stream opens
   * (chunked) once it is HEADERS_AFTER_MS old, by one timer per session.
   */
  #openSoon(stream: SseStream): void {
    this.#unopened.set(stream, performance.now());
    this.#opener ??= setInterval(() => {
      const due = performance.now() - HEADERS_AFTER_MS;
      for (const [s, began] of this.#unopened) {
        if (began > due) break;
        this.#unopened.delete(s);
        s.open();
      }
      if (this.#unopened.size === 0 && this.#opener) {
        clearInterval(this.#opener);
        this.#opener = null;
      }
    }, HEADERS_AFTER_MS / 2);
  }

  #headers(): AnswerHeaders {
    const session = this.sessionId;
    if (session === undefined) return { whole: WHOLE_HEADERS, stream: STREAM_HEADERS };
    this.#sessionHeaders ??= {
      whole: { ...WHOLE_HEADERS, 'mcp-session-id': session },
      stream: { ...STREAM_HEADERS, 'mcp-session-id': session },
    };
    return this.#sessionHeaders;
  }

  #checkSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.#initialized) {
      this.#refuse(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const id = req.headers['mcp-session-id'];
    if (!id) {
      this.#refuse(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (id !== this.sessionId) {
      this.#refuse(res, 404, -32001, 'Session not found');
      return false;
    }
    return true;
  }

  #checkVersion(req: IncomingMessage, res: ServerResponse): boolean {
    const version = req.headers['mcp-protocol-version'];
    if (version === undefined || (typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version))) {
      return true;
    }
    this.#refuse(
      res,
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
    );
    return false;
  }

  #refuse(res: ServerResponse, status: number, code: number, message: string): void {
    this.onerror?.(new Error(message));
    rpcError(res, status, code, message);
  }
}

// The messages were checked against JSONRPCMessageSchema when they arrived (or made here): their kind shows in
// their keys, without another schema check per message.
function isRequest(m: JSONRPCMessage): m is JSONRPCRequest {
  return 'method' in m && 'id' in m;
}

function isResponseMessage(m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } {
  return ('result' in m || 'error' in m) && 'id' in m && m.id !== undefined;
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** A Content-Type's media type, lower case, without parameters. */
function mediaType(header: string | undefined): string | undefined {
  if (header === 'application/json') return header;
  return header?.split(';', 1)[0]?.trim().toLowerCase();
}
