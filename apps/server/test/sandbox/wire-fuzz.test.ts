import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { WorkerToHost } from '@bastion/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/sandbox/wire/channel.js';
import { encodeFrame, PREFIX_BYTES, type DecodeLimits } from '../../src/sandbox/wire/frame.js';
import { FrameReader } from '../../src/sandbox/wire/frame-reader.js';
import { parseWorkerMessage } from '../../src/sandbox/worker-message.js';

/**
 * Property-based checks of the host's side of the worker socket: whatever bytes a worker writes, in whatever pieces,
 * the host gets messages of the protocol or a protocol error, never an exception, and never holds a frame past its
 * limit. FUZZ_RUNS raises the number of cases (CI runs the default).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const MAX_FRAME = 64 * 1024;
const LIMITS: DecodeLimits = {
  maxHeaderBytes: 16 * 1024,
  maxHeaderDepth: 64,
  maxTextBytes: 32 * 1024,
  maxTextDepth: 64,
};

/** A socket stand-in: the channel only listens to it, and the test emits its 'data'. */
function fakeSocket(): Duplex & EventEmitter {
  return Object.assign(new EventEmitter(), {
    destroyed: false,
    writable: true,
    pause() {},
    write: () => true,
    cork() {},
    uncork() {},
    end() {},
  }) as unknown as Duplex & EventEmitter;
}

interface Observed {
  messages: WorkerToHost[];
  violations: string[];
}

/** Feeds chunks to a host-side channel the way a socket would; the parse is what the host runs next. */
function feed(chunks: Uint8Array[], onMessage?: (msg: WorkerToHost) => void): Observed {
  const seen: Observed = { messages: [], violations: [] };
  const socket = fakeSocket();
  new Channel(socket, {
    maxFrameBytes: MAX_FRAME,
    limits: LIMITS,
    onMessage: (raw) => {
      const parsed = parseWorkerMessage(raw);
      if (!parsed.ok) throw new Error(parsed.problem);
      seen.messages.push(parsed.msg);
      onMessage?.(parsed.msg);
    },
    onViolation: (why) => void seen.violations.push(why),
  });
  for (const chunk of chunks) socket.emit('data', Buffer.from(chunk));
  return seen;
}

const text = fc.string({ maxLength: 40 });
const id = fc.integer({ min: 1, max: 2 ** 40 });
const json = fc.json({ maxDepth: 4 }).filter((j) => Buffer.byteLength(j) < 8000);
const schema = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
const message: fc.Arbitrary<WorkerToHost> = fc.oneof(
  fc.record({
    type: fc.constant('ready' as const),
    tools: fc.array(
      fc.record({
        name: fc.string({ minLength: 1, maxLength: 20 }),
        description: text,
        inputSchema: schema,
        outputSchema: fc.option(schema, { nil: null }),
      }),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    type: fc.constant('load_error' as const),
    code: fc.constantFrom('IMPORT_ERROR', 'INIT_ERROR', 'VALIDATION_ERROR', 'MANIFEST_INVALID' as const),
    message: text,
  }),
  fc.record({ type: fc.constant('result' as const), id, json }),
  fc.record({ type: fc.constant('partial' as const), id, json }),
  fc.record({
    type: fc.constant('error' as const),
    id,
    code: fc.constantFrom('TOOL_ERROR', 'INVALID_OUTPUT', 'INVALID_INPUT' as const),
    message: text,
  }),
  fc.record({
    type: fc.constant('progress' as const),
    id,
    pct: fc.double({ min: 0, max: 100, noNaN: true }).filter((n) => !Object.is(n, -0)),
    stage: fc.option(text, { nil: null }),
  }),
  fc.record({ type: fc.constant('log' as const), line: text }),
  fc.constant({ type: 'disposed' as const }),
);

/** Cuts bytes into pieces at the given points (any split a socket could deliver). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

const cuts = fc.array(fc.nat(), { maxLength: 8 });

describe('the host side of the worker socket under fuzzing', () => {
  it('every message of the protocol crosses intact, however the stream is split', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), cuts, (msgs, at) => {
        const bytes = Buffer.concat(msgs.map((m) => encodeFrame(m)));
        const seen = feed(split(bytes, at));
        expect(seen.violations).toEqual([]);
        expect(seen.messages).toEqual(msgs);
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes give messages or one protocol error, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), cuts, (bytes, at) => {
        const seen = feed(split(bytes, at));
        expect(seen.violations.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated frames (flipped, cut, spliced bytes) give messages or one protocol error, never an exception', () => {
    const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.nat() });
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { maxLength: 4 }),
        cuts,
        (msgs, muts, at) => {
          const bytes = Buffer.concat(msgs.map((m) => encodeFrame(m)));
          for (const m of muts) bytes[m.at % bytes.length] = m.byte;
          const cutAt = muts[0] ? muts[0].cut % (bytes.length + 1) : bytes.length;
          const seen = feed(split(bytes.subarray(0, cutAt), at));
          expect(seen.violations.length).toBeLessThanOrEqual(1);
          for (const msg of seen.messages)
            expect(parseWorkerMessage(msg as unknown as Record<string, unknown>).ok).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('well-formed frames holding wrong types are refused by the schema', () => {
    const wrong = fc.record({
      type: fc.constantFrom('ready', 'load_error', 'result', 'error', 'progress', 'partial', 'log', 'disposed', 'call'),
      id: fc.oneof(fc.string(), fc.double(), fc.constant(null), fc.array(fc.nat())),
      tools: fc.oneof(fc.string(), fc.dictionary(fc.string(), fc.nat())),
      code: fc.oneof(fc.constant('INTERNAL_ERROR'), fc.nat()),
      pct: fc.oneof(fc.string(), fc.constant(101), fc.constant(-1)),
      line: fc.oneof(fc.nat(), fc.constant(null)),
    });
    fc.assert(
      fc.property(wrong, (header) => {
        const h = Buffer.from(JSON.stringify(header));
        const frame = Buffer.alloc(PREFIX_BYTES + 4 + h.length);
        frame.writeUInt32LE(4 + h.length, 0);
        frame.writeUInt32LE(h.length, 4);
        h.copy(frame, 8);
        const seen = feed([frame]);
        expect(seen.messages).toEqual([]);
        expect(seen.violations).toHaveLength(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('an exception while handling a message is a protocol error of that worker, not the host', () => {
    const frame = encodeFrame({ type: 'log', line: 'x' });
    const seen = feed([frame, frame], () => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    expect(seen.violations).toEqual(['handling its message threw: RangeError: Maximum call stack size exceeded']);
    expect(seen.messages).toHaveLength(1);
  });

  it('never holds a frame past its limit: an oversized one is refused as soon as its length is read', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_FRAME + 1, max: 2 ** 32 - 1 }), (len) => {
        const prefix = Buffer.alloc(PREFIX_BYTES);
        prefix.writeUInt32LE(len, 0);
        const frames: Buffer[] = [];
        expect(() => new FrameReader(MAX_FRAME).push(prefix, (f) => frames.push(f))).toThrow(/above the limit/);
        expect(frames).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 * MAX_FRAME }), cuts, (bytes, at) => {
        const reader = new FrameReader(MAX_FRAME);
        try {
          for (const chunk of split(bytes, at)) {
            reader.push(Buffer.from(chunk), (f) => expect(f.length).toBeLessThanOrEqual(MAX_FRAME));
          }
        } catch (err) {
          expect((err as Error).message).toMatch(/above the limit/);
        }
      }),
      { numRuns: Math.max(20, RUNS / 10) },
    );
  });
});
