import { nestsDeeperThan } from '../../encoding/json-depth.js';
import { utf8Text } from '../../encoding/utf8.js';
import type { HostToWorker, WorkerToHost } from '../messages.js';

/**
 * The wire format between host and worker on their socket pair (the worker's fd 3). Every message is one frame:
 *
 *     u32 LE   length of the rest of the frame
 *     u32 LE   length of the header
 *     header   UTF-8 JSON: the message without its payloads
 *     payloads back to back
 *
 * Payloads keep bulk data out of JSON: the binary arguments of a call (top-level Uint8Array values of `args`, listed
 * in the header's `bin` as [name, bytes]) and the JSON text of a result or partial result (its byte length in the
 * header's `text`; sent as it is instead of escaped into a string). The host parses what a worker writes with this
 * module, so bytes a plugin writes to the socket itself are a protocol violation ({@link FrameError}) that ends that
 * worker, never an exception inside the host.
 */

/** A frame that breaks the format; the peer that wrote it is not trusted further. */
export class FrameError extends Error {}

/** Bytes of the length prefix that starts every frame. */
export const PREFIX_BYTES = 4;

type Message = HostToWorker | WorkerToHost;

/** One frame; a string payload is written into it as UTF-8 (`payloadBytes` counts it in bytes). */
function frame(header: string, payloads: ReadonlyArray<Uint8Array | string>, payloadBytes: number): Buffer {
  const headerBytes = Buffer.byteLength(header);
  const out = Buffer.allocUnsafe(PREFIX_BYTES + 4 + headerBytes + payloadBytes);
  out.writeUInt32LE(out.length - PREFIX_BYTES, 0);
  out.writeUInt32LE(headerBytes, PREFIX_BYTES);
  let at = PREFIX_BYTES + 4 + out.write(header, PREFIX_BYTES + 4);
  for (const p of payloads) {
    if (typeof p === 'string') {
      at += out.write(p, at);
    } else {
      out.set(p, at);
      at += p.byteLength;
    }
  }
  return out;
}

function encodeCall(msg: Extract<HostToWorker, { type: 'call' }>): Buffer {
  let binary: string[] | null = null;
  for (const name in msg.args) if (msg.args[name] instanceof Uint8Array) (binary ??= []).push(name);
  if (!binary) return frame(JSON.stringify(msg), [], 0);
  const args = { ...msg.args };
  const payloads: Uint8Array[] = [];
  const bin: Array<[string, number]> = [];
  let bytes = 0;
  for (const name of binary) {
    const value = args[name] as Uint8Array;
    delete args[name];
    payloads.push(value);
    bin.push([name, value.byteLength]);
    bytes += value.byteLength;
  }
  return frame(JSON.stringify({ ...msg, args, bin }), payloads, bytes);
}

/** One message as one frame. */
export function encodeFrame(msg: Message): Buffer {
  switch (msg.type) {
    case 'call':
      return encodeCall(msg);
    case 'result':
    case 'partial': {
      const bytes = Buffer.byteLength(msg.json);
      return frame(JSON.stringify({ type: msg.type, id: msg.id, text: bytes }), [msg.json], bytes);
    }
    default:
      return frame(JSON.stringify(msg), [], 0);
  }
}

const isLength = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** What a receiver accepts in one frame from the other end. */
export interface DecodeLimits {
  /** Longest header (the message without its payloads), in bytes. */
  maxHeaderBytes: number;
  /** Deepest nesting of the header's JSON. */
  maxHeaderDepth: number;
  /** Longest text payload (the JSON of a result or partial result), in bytes; far below V8's longest string. */
  maxTextBytes: number;
  /** Deepest nesting of a text payload's JSON. */
  maxTextDepth: number;
}

/** The worker's view of the host: trusted, so nothing is refused for its size or depth. */
export const TRUSTED_PEER: DecodeLimits = {
  maxHeaderBytes: Number.POSITIVE_INFINITY,
  maxHeaderDepth: Number.POSITIVE_INFINITY,
  maxTextBytes: Number.POSITIVE_INFINITY,
  maxTextDepth: Number.POSITIVE_INFINITY,
};

/**
 * The message in one frame (without its length prefix), payloads put back in place: binary arguments as Uint8Array
 * views of the frame, text as a string. Throws FrameError — and nothing else, whatever the bytes — when the frame is
 * not in the format or breaks `limits`; the message's own shape is for the receiver to check.
 */
export function decodeFrame(body: Buffer, limits: DecodeLimits): Record<string, unknown> {
  try {
    return decode(body, limits);
  } catch (err) {
    if (err instanceof FrameError) throw err;
    throw new FrameError(`a frame that could not be decoded (${err instanceof Error ? err.message : String(err)})`);
  }
}

function decode(body: Buffer, limits: DecodeLimits): Record<string, unknown> {
  if (body.length < 4) throw new FrameError('a frame shorter than its header length');
  const headerBytes = body.readUInt32LE(0);
  if (headerBytes > body.length - 4) throw new FrameError('a header longer than its frame');
  if (headerBytes > limits.maxHeaderBytes) {
    throw new FrameError(`a header of ${headerBytes} bytes, above the limit of ${limits.maxHeaderBytes}`);
  }
  const headerView = body.subarray(4, 4 + headerBytes);
  if (nestsDeeperThan(headerView, limits.maxHeaderDepth)) {
    throw new FrameError(`a header nested deeper than ${limits.maxHeaderDepth} levels`);
  }
  let header: unknown;
  try {
    header = JSON.parse(headerView.toString('utf8'));
  } catch {
    throw new FrameError('a header that is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new FrameError('a header that is not a JSON object');
  }
  const msg = header as Record<string, unknown>;
  const payload = body.subarray(4 + headerBytes);
  if (msg.type === 'call' && msg.bin !== undefined) {
    const { bin, args } = msg;
    if (!Array.isArray(bin) || typeof args !== 'object' || args === null || Array.isArray(args)) {
      throw new FrameError('a malformed call');
    }
    let at = 0;
    for (const entry of bin as unknown[]) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isLength(entry[1])) {
        throw new FrameError('a malformed binary argument');
      }
      if (at + entry[1] > payload.length) throw new FrameError('binary arguments longer than the frame');
      // defineProperty: a name such as __proto__ stays a plain property.
      Object.defineProperty(args, entry[0], {
        value: new Uint8Array(payload.buffer, payload.byteOffset + at, entry[1]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      at += entry[1];
    }
    if (at !== payload.length) throw new FrameError('bytes after the binary arguments');
    delete msg.bin;
    return msg;
  }
  if ((msg.type === 'result' || msg.type === 'partial') && msg.text !== undefined) {
    if (msg.text !== payload.length) throw new FrameError('a text payload of the wrong length');
    if (payload.length > limits.maxTextBytes) {
      throw new FrameError(`a text payload of ${payload.length} bytes, above the limit of ${limits.maxTextBytes}`);
    }
    if (nestsDeeperThan(payload, limits.maxTextDepth)) {
      throw new FrameError(`a result nested deeper than ${limits.maxTextDepth} levels`);
    }
    delete msg.text;
    msg.json = utf8Text(payload);
    return msg;
  }
  if (payload.length !== 0) throw new FrameError('bytes after the header');
  return msg;
}
