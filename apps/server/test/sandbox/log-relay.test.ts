import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { LogRelay } from '../../src/sandbox/log-relay.js';

describe('worker log relay', () => {
  it('prefixes whole lines, joining chunks and flushing the last partial line at the end', async () => {
    const lines: string[] = [];
    const relay = new LogRelay('[plugin p]', (l) => lines.push(l));
    const stream = new PassThrough();
    relay.attach(stream, true);
    stream.write('hel');
    stream.write('lo\nwor');
    stream.end('ld');
    await new Promise((r) => stream.on('end', r));
    expect(lines).toEqual(['[plugin p] hello', '[plugin p] world']);
    expect(relay.tail).toBe('hello\nworld');
  });

  it('rate-limits a flood and reports how many lines it dropped', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const lines: string[] = [];
      const relay = new LogRelay('[plugin p]', (l) => lines.push(l), 5, 10_000);
      for (let i = 0; i < 50; i++) relay.line(`line ${i}`);
      expect(lines).toHaveLength(5);
      vi.setSystemTime(10_001);
      relay.line('after');
      expect(lines.slice(5)).toEqual(['[plugin p] (45 lines suppressed)', '[plugin p] after']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cuts very long lines and keeps only the last 8 KB of stderr', () => {
    const lines: string[] = [];
    const relay = new LogRelay('[p]', (l) => lines.push(l));
    relay.line('x'.repeat(5000));
    expect(lines[0]?.length).toBeLessThan(2100);
    const stream = new PassThrough();
    relay.attach(stream, true);
    stream.write('y'.repeat(20_000));
    expect(relay.tail.length).toBe(8192);
  });
});
