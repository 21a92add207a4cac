import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../packages/protocol/src/errors';
import { detailLines, errorHint, isAuthError } from '../src/lib/errors';
import { parseHash, hrefOf } from '../src/lib/route';
import { StreamStats } from '../src/lib/camera';
import { formatDuration, formatMs, timeAgo } from '../src/lib/format';

describe('error hints', () => {
  it('has a hint for every error code of the protocol', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(errorHint(code), code).toBeTruthy();
  });

  it('returns null for unknown or missing codes, and never reads the prototype', () => {
    expect(errorHint('NOPE')).toBeNull();
    expect(errorHint(null)).toBeNull();
    expect(errorHint('constructor')).toBeNull();
    expect(errorHint('TOOL_ERROR')).toMatch(/still available/);
  });

  it('knows which codes need a key', () => {
    expect(isAuthError('UNAUTHORIZED')).toBe(true);
    expect(isAuthError('FORBIDDEN')).toBe(true);
    expect(isAuthError('TOOL_ERROR')).toBe(false);
  });

  it('reads INVALID_INPUT details', () => {
    expect(
      detailLines([{ path: '/text', message: 'must be string' }, { instancePath: '', message: 'x' }, 'plain', 4]),
    ).toEqual([
      { path: '/text', message: 'must be string' },
      { path: '/', message: 'x' },
      { path: '/', message: 'plain' },
    ]);
    expect(detailLines(undefined)).toEqual([]);
  });
});

describe('routes', () => {
  it('parses and builds hash routes', () => {
    expect(parseHash('')).toEqual({ page: 'plugins' });
    expect(parseHash('#/run/ocr/extract_text')).toEqual({ page: 'run', plugin: 'ocr', tool: 'extract_text' });
    expect(parseHash('#/run')).toEqual({ page: 'run', plugin: null, tool: null });
    expect(parseHash('#/jobs/abc')).toEqual({ page: 'jobs', jobId: 'abc' });
    expect(parseHash('#/camera')).toEqual({ page: 'camera' });
    expect(parseHash('#/plugins/ocr')).toEqual({ page: 'plugins', plugin: 'ocr' });
    expect(hrefOf({ page: 'plugins', plugin: 'a/b' })).toBe('#/plugins/a%2Fb');
    expect(parseHash('#/run/%E0%A4%A')).toMatchObject({ page: 'run', plugin: '%E0%A4%A' });
    expect(hrefOf({ page: 'run', plugin: 'a b', tool: 't' })).toBe('#/run/a%20b/t');
    expect(parseHash(hrefOf({ page: 'jobs', jobId: 'x/y' }))).toEqual({ page: 'jobs', jobId: 'x/y' });
  });
});

describe('formatting', () => {
  it('formats durations and times', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(0.5)).toBe('0.50 ms');
    expect(formatMs(12.4)).toBe('12 ms');
    expect(formatMs(1500)).toBe('1.50 s');
    expect(formatDuration(3725)).toBe('1h 2m');
    expect(timeAgo('2024-01-01T00:00:00Z', Date.parse('2024-01-01T00:02:00Z'))).toBe('2 min ago');
  });
});

describe('StreamStats', () => {
  it('tracks latency, outstanding frames, drops and rate', () => {
    const s = new StreamStats();
    s.onSent(1, 0);
    s.onSent(2, 50);
    s.onSent(3, 100);
    expect(s.outstanding).toBe(3);
    s.onAnswer(1, 80, 40, 0);
    // frame 2 was replaced by frame 3 on the server: answering 3 settles both
    s.onAnswer(3, 200, 60, 1);
    expect(s.outstanding).toBe(0);
    const snap = s.snapshot(200);
    expect(snap.latencyMs).toBe(90);
    expect(snap.execMs).toBe(50);
    expect(snap.dropped).toBe(1);
    expect(snap.sent).toBe(3);
    expect(snap.fps).toBeCloseTo(1 / 0.12, 5);
    s.onSent(4, 300);
    s.expire(20_000);
    expect(s.outstanding).toBe(0);
  });
});
