import { WorkerToHostSchema } from '@bastion/protocol';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, TRUSTED_PEER } from '../../src/sandbox/wire/frame.js';

/** A frame as the reader hands it on: without its 4-byte length prefix. */
const roundTrip = (msg: Parameters<typeof encodeFrame>[0]) => decodeFrame(encodeFrame(msg).subarray(4), TRUSTED_PEER);

describe('worker timings of a traced call (protocol)', () => {
  it('travel with a result and an error, and an untraced answer carries none', () => {
    const result = roundTrip({
      type: 'result',
      id: 3,
      json: '{"a":1}',
      startedAt: 1765080000000.25,
      finishedAt: 1765080000004.5,
    });
    expect(WorkerToHostSchema.parse(result)).toEqual({
      type: 'result',
      id: 3,
      json: '{"a":1}',
      startedAt: 1765080000000.25,
      finishedAt: 1765080000004.5,
    });
    const error = roundTrip({ type: 'error', id: 4, code: 'TOOL_ERROR', message: 'x', startedAt: 1, finishedAt: 2 });
    expect(WorkerToHostSchema.parse(error)).toMatchObject({ startedAt: 1, finishedAt: 2 });
    expect(Object.keys(roundTrip({ type: 'result', id: 5, json: 'null' })).sort()).toEqual(['id', 'json', 'type']);
  });

  it('are refused when they are not finite, non-negative numbers', () => {
    for (const bad of ['1', -1, Number.POSITIVE_INFINITY, null])
      expect(
        WorkerToHostSchema.safeParse({ type: 'result', id: 1, json: '1', startedAt: bad }).success,
        String(bad),
      ).toBe(false);
  });

  it('a call carries the traceparent only when there is one', () => {
    const traced = roundTrip({
      type: 'call',
      id: 1,
      tool: 't',
      args: {},
      traceparent: '00-' + 'a'.repeat(32) + '-' + 'b'.repeat(16) + '-01',
    });
    expect(traced.traceparent).toMatch(/^00-a{32}-b{16}-01$/);
    expect('traceparent' in roundTrip({ type: 'call', id: 2, tool: 't', args: {} })).toBe(false);
  });
});
