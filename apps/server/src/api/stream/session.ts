import type { ErrorCode, StreamErrorPayload } from '@bastion/protocol';
import { WS_CLOSE } from '@bastion/protocol';
import { SpanKind } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { BastionError } from '../../errors/bastion-error.js';
import { isUnexpected, toCoded } from '../../errors/coded.js';
import { checkJsonValue } from '../body.js';
import type { Registry } from '../../plugins/registry.js';
import type { LoadedTool } from '../../plugins/loaded-tool.js';
import type { ToolRunner } from '../../runner/tool-runner.js';
import { ATTR } from '../../tracing/attributes.js';
import type { Tracing } from '../../tracing/tracing.js';
import { envelope, envelopeWithResult } from '../realtime/envelope.js';
import { DEFAULT_OUTBOUND_LIMITS, Outbound } from '../realtime/outbound.js';
import { rawToBuffer } from '../realtime/raw.js';

type FrameId = string | number | null;

interface Frame {
  id: FrameId;
  image: Buffer | string | null;
  args: Record<string, unknown>;
}

export interface StreamDeps {
  runner: ToolRunner;
  registry: Registry;
  logger: Logger;
  maxFrameBytes: number;
  /** Called with the code of every `error` message sent (for bastion_request_errors_total). */
  onError?: (code: ErrorCode) => void;
  /** Tracing on: each frame gets a span, child of the `traceparent` the connection was opened with (if any). */
  tracing?: Tracing | null;
  traceparent?: string | null;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const hasForbiddenKey = (o: Record<string, unknown>): boolean =>
  Object.hasOwn(o, '__proto__') || Object.hasOwn(o, 'constructor');
const isShallowEnough = (value: unknown): boolean => {
  try {
    checkJsonValue(value);
    return true;
  } catch {
    return false;
  }
};

/**
 * One `/v1/stream?plugin=&tool=` connection: frames (JSON with base64, or binary messages) run one at a time
 * through the shared ToolRunner path; a frame arriving while one runs replaces the waiting one (latest wins)
 * and is counted in `dropped`. Every problem is answered with an `error` message; only an unusable stream
 * (no such plugin or tool, bad query) is closed, with code 4004.
 */
export class StreamSession {
  readonly #out: Outbound;
  readonly #abort = new AbortController();
  #running = false;
  #pending: Frame | null = null;
  #dropped = 0;
  #seq = 0;
  #closed = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly deps: StreamDeps,
    private readonly plugin: string,
    private readonly tool: string,
    private readonly defaultArgs: Record<string, unknown>,
    private readonly field: string | null,
  ) {
    this.#out = new Outbound(ws, DEFAULT_OUTBOUND_LIMITS, () => {
      ws.close(WS_CLOSE.SLOW_CONSUMER, 'slow consumer: send buffer full');
      setTimeout(() => ws.terminate(), 10_000).unref();
    });
    ws.on('message', (data, isBinary) => {
      try {
        this.#onMessage(data, isBinary);
      } catch (err) {
        const e = toCoded(err);
        deps.logger.error({ err: e }, 'stream: error handling a message');
        this.#error(null, e.code, e.message);
      }
    });
    ws.on('close', () => {
      this.#closed = true;
      this.#pending = null;
      this.#out.clear();
      this.#abort.abort(); // a frame in flight is cancelled, freeing the worker
    });
  }

  /** Checks the query, then serves the connection; an unusable stream gets an error message and is closed. */
  static open(ws: WebSocket, query: unknown, deps: StreamDeps): StreamSession | null {
    const reject = (code: ErrorCode, message: string): null => {
      deps.onError?.(code);
      ws.send(envelope('error', { frame_id: null, code, message, dropped: 0 } satisfies StreamErrorPayload));
      ws.close(WS_CLOSE.STREAM_REJECTED, code);
      return null;
    };
    const q = isPlainObject(query) ? query : {};
    const { plugin, tool, args, field } = q;
    if (typeof plugin !== 'string' || !plugin || typeof tool !== 'string' || !tool) {
      return reject(
        'BAD_REQUEST',
        'connect to /v1/stream?plugin=<id>&tool=<name> (optional: args=<JSON>, field=<binary arg>)',
      );
    }
    if (!deps.registry.has(plugin)) return reject('PLUGIN_NOT_FOUND', `no plugin named '${plugin}'`);
    // The tool list is known once the plugin has loaded; an unavailable plugin may come back, so stay open.
    if (deps.registry.isAvailable(plugin) && deps.registry.state(plugin) !== 'LOADED') {
      try {
        deps.runner.resolve(plugin, tool);
      } catch (err) {
        if (err instanceof BastionError && err.code === 'TOOL_NOT_FOUND') return reject(err.code, err.message);
      }
    }
    let defaultArgs: Record<string, unknown> = {};
    if (args !== undefined) {
      let parsed: unknown;
      try {
        parsed = typeof args === 'string' ? JSON.parse(args) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!isPlainObject(parsed) || hasForbiddenKey(parsed) || !isShallowEnough(parsed))
        return reject('BAD_REQUEST', "query 'args' must be a JSON object");
      defaultArgs = parsed;
    }
    if (field !== undefined && (typeof field !== 'string' || !field))
      return reject('BAD_REQUEST', "query 'field' must be an argument name");
    return new StreamSession(ws, deps, plugin, tool, defaultArgs, (field as string | undefined) ?? null);
  }

  get dropped(): number {
    return this.#dropped;
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const buf = rawToBuffer(data);
    if (isBinary) {
      if (buf.byteLength > this.deps.maxFrameBytes) {
        this.#error(
          null,
          'PAYLOAD_TOO_LARGE',
          `frame of ${buf.byteLength} bytes is over the ${this.deps.maxFrameBytes}-byte limit`,
        );
        return;
      }
      this.#submit({ id: ++this.#seq, image: buf, args: {} });
      return;
    }
    // base64 is 4/3 of the bytes, plus room for the JSON around it
    const maxText = Math.ceil((this.deps.maxFrameBytes * 4) / 3) + 64 * 1024;
    if (buf.byteLength > maxText) {
      this.#error(null, 'PAYLOAD_TOO_LARGE', `message of ${buf.byteLength} bytes is over the ${maxText}-byte limit`);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch {
      this.#error(
        null,
        'BAD_REQUEST',
        'message is not valid JSON; send {"type":"frame","payload":{...}} or a binary image',
      );
      return;
    }
    try {
      checkJsonValue(msg, 'the message', false); // deep nesting; args are checked for keys below
    } catch (err) {
      this.#error(null, 'BAD_REQUEST', (err as Error).message);
      return;
    }
    if (!isPlainObject(msg) || typeof msg.type !== 'string') {
      this.#error(null, 'BAD_REQUEST', 'message must be a JSON object with a string "type"');
      return;
    }
    if (msg.type === 'ping') {
      this.#out.send(envelope('pong', msg.payload ?? {}), false);
      return;
    }
    if (msg.type !== 'frame') {
      this.#error(null, 'BAD_REQUEST', `unknown message type '${msg.type.slice(0, 64)}'; expected frame or ping`);
      return;
    }
    const p = msg.payload;
    if (!isPlainObject(p)) {
      this.#error(null, 'BAD_REQUEST', 'a frame needs {"payload": {"frame_id", "image_base64"?, "args"?}}');
      return;
    }
    const id = p.frame_id ?? null;
    if (!(id === null || typeof id === 'number' || (typeof id === 'string' && id.length <= 200))) {
      this.#error(null, 'BAD_REQUEST', 'frame_id must be a string (≤ 200 chars), a number or null');
      return;
    }
    if (p.image_base64 !== undefined && typeof p.image_base64 !== 'string') {
      this.#error(id, 'BAD_REQUEST', 'image_base64 must be a base64 string or a data: URL');
      return;
    }
    if (p.args !== undefined && (!isPlainObject(p.args) || hasForbiddenKey(p.args) || !isShallowEnough(p.args))) {
      this.#error(id, 'BAD_REQUEST', 'args must be a JSON object (without __proto__ or constructor keys)');
      return;
    }
    this.#submit({ id, image: p.image_base64 ?? null, args: p.args ?? {} });
  }

  /** Latest wins: while a frame runs, a newer one replaces the one waiting. */
  #submit(frame: Frame): void {
    if (this.#closed) return;
    if (this.#running) {
      if (this.#pending) this.#dropped++;
      this.#pending = frame;
      return;
    }
    void this.#run(frame);
  }

  async #run(frame: Frame): Promise<void> {
    this.#running = true;
    try {
      const run = () => {
        const { runner } = this.deps;
        const tool = runner.resolve(this.plugin, this.tool);
        const args = { ...this.defaultArgs, ...frame.args };
        if (frame.image !== null) args[this.#imageField(tool)] = frame.image;
        return runner.run(runner.prepare(this.plugin, tool, args), { mode: 'direct', signal: this.#abort.signal });
      };
      const tracing = this.deps.tracing;
      const { resultJson, executionTimeMs } = await (tracing
        ? tracing.inSpan(
            `bastion.stream ${this.plugin}/${this.tool}`,
            this.deps.traceparent ?? null,
            { [ATTR.plugin]: this.plugin, [ATTR.tool]: this.tool, [ATTR.frameId]: String(frame.id) },
            run,
            { kind: SpanKind.SERVER, link: false },
          )
        : run());
      const payload = { frame_id: frame.id, result: null, execution_time_ms: executionTimeMs, dropped: this.#dropped };
      if (!this.#closed) this.#out.send(envelopeWithResult('result', payload, resultJson), false);
    } catch (err) {
      const e = toCoded(err);
      if (isUnexpected(e)) this.deps.logger.error({ err: e }, 'stream: unexpected error');
      this.#error(frame.id, e.code, e.message);
    } finally {
      this.#running = false;
      const next = this.#pending;
      this.#pending = null;
      if (next && !this.#closed) void this.#run(next);
    }
  }

  /** The argument a frame's image goes to: `?field=`, else the tool's binary argument `image`, else its first. */
  #imageField(tool: LoadedTool): string {
    if (this.field) return this.field;
    const field = tool.binary.includes('image') ? 'image' : tool.binary[0];
    if (field === undefined) {
      throw new BastionError('INVALID_INPUT', `tool '${this.tool}' takes no binary input; send args without an image`, {
        plugin: this.plugin,
        tool: this.tool,
      });
    }
    return field;
  }

  #error(frameId: FrameId, code: ErrorCode, message: string): void {
    if (this.#closed) return;
    this.deps.onError?.(code);
    const payload: StreamErrorPayload = { frame_id: frameId, code, message, dropped: this.#dropped };
    this.#out.send(envelope('error', payload), false);
  }
}
