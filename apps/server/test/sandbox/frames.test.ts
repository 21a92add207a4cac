import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HostToWorker, WorkerToHost } from '../../src/sandbox/messages.js';
import { decodeFrame, encodeFrame, FrameError, PREFIX_BYTES, TRUSTED_PEER } from '../../src/sandbox/wire/frame.js';
import { FrameReader } from '../../src/sandbox/wire/frame-reader.js';

const image = new Uint8Array(randomBytes(70_000));
const messages: Array<HostToWorker | WorkerToHost> = [
  { type: 'load', pluginDir: '/p', entry: '/p/index.js', config: { a: [1, 'ü'] }, maxResultBytes: 16 },
  { type: 'call', id: 1, tool: 'echo', args: { text: 'hello ✓' } },
  { type: 'call', id: 2, tool: 'detect', args: { image, empty: new Uint8Array(0), min_score: 0.5 } },
  { type: 'cancel', id: 2 },
  { type: 'dispose' },
  { type: 'ready', tools: [{ name: 't', description: 'd', inputSchema: { type: 'object' }, outputSchema: null }] },
  { type: 'result', id: 1, json: '{"text":"hello ✓ 漢字 🙂"}' },
  { type: 'result', id: 3, json: JSON.stringify({ big: 'x'.repeat(200_000) }) },
  { type: 'partial', id: 2, json: '[]' },
  { type: 'error', id: 2, code: 'INVALID_INPUT', message: 'bad', detailsJson: '{"field":"image"}' },
  { type: 'progress', id: 2, pct: 50, stage: null },
  { type: 'log', line: 'a line' },
  { type: 'disposed' },
];

/** A message as the receiver sees it: binary arguments as plain byte arrays, for comparison. */
const plain = (m: unknown): unknown =>
  JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));

function readAll(bytes: Buffer, chunkSizes: number[]): unknown[] {
  const reader = new FrameReader(1024 * 1024);
  const out: unknown[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = chunkSizes[i % chunkSizes.length] as number;
    reader.push(bytes.subarray(at, at + n), (f) => out.push(decodeFrame(f, TRUSTED_PEER)));
    at += n;
  }
  return out;
}

describe('host–worker frames', () => {
  const stream = Buffer.concat(messages.map(encodeFrame));

  it('carry every message type and get it back unchanged, binary arguments as Uint8Array', () => {
    const back = readAll(stream, [stream.length]);
    expect(back.map(plain)).toEqual(messages.map(plain));
    const call = back[2] as { args: Record<string, unknown> };
    expect(call.args.image).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(call.args.image as Uint8Array).equals(Buffer.from(image))).toBe(true);
  });

  it('are cut right however the stream is split', () => {
    for (const sizes of [[1], [3], [4, 1], [7, 65536], [5000, 2, 1]]) {
      expect(readAll(stream, sizes).map(plain)).toEqual(messages.map(plain));
    }
  });

  it('keep result JSON out of the header: the text is sent as it is', () => {
    const json = '{"a":"\\"quoted\\""}';
    const frame = encodeFrame({ type: 'result', id: 9, json });
    expect(frame.subarray(frame.length - json.length).toString()).toBe(json);
  });

  const header = (text: string, payload = Buffer.alloc(0)): Buffer => {
    const h = Buffer.from(text);
    const body = Buffer.alloc(4 + h.length + payload.length);
    body.writeUInt32LE(h.length, 0);
    h.copy(body, 4);
    payload.copy(body, 4 + h.length);
    return body;
  };

  it('refuse what breaks the format, with a FrameError', () => {
    const bad: Array<[string, Buffer]> = [
      ['too short', Buffer.from([1, 0])],
      ['header past the end', Buffer.from([200, 0, 0, 0, 0x7b, 0x7d])],
      ['not JSON', header('garbage!')],
      ['not an object', header('[1,2]')],
      ['null', header('null')],
      ['trailing bytes', header('{"type":"log","line":"x"}', Buffer.from('zz'))],
      ['text too short', header('{"type":"result","id":1,"text":5}', Buffer.from('{}'))],
      ['binary too long', header('{"type":"call","id":1,"tool":"t","args":{},"bin":[["f",9]]}', Buffer.from('ab'))],
      [
        'binary short of the end',
        header('{"type":"call","id":1,"tool":"t","args":{},"bin":[["f",1]]}', Buffer.from('ab')),
      ],
      ['binary entry', header('{"type":"call","id":1,"tool":"t","args":{},"bin":[["f",-1]]}')],
      ['call without args', header('{"type":"call","id":1,"tool":"t","bin":[]}')],
    ];
    for (const [name, body] of bad) expect(() => decodeFrame(body, TRUSTED_PEER), name).toThrow(FrameError);
  });

  it('refuse a frame longer than the limit as soon as its length is read', () => {
    const reader = new FrameReader(100);
    const prefix = Buffer.alloc(PREFIX_BYTES);
    prefix.writeUInt32LE(101, 0);
    expect(() => reader.push(prefix, () => {})).toThrow(FrameError);
    const split = new FrameReader(100);
    split.push(prefix.subarray(0, 2), () => {});
    expect(() => split.push(prefix.subarray(2), () => {})).toThrow(/101 bytes, above the limit of 100/);
  });
});
