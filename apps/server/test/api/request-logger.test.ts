import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from '../../src/api/request-logger.js';

describe('request logger', () => {
  it('makes the child only when something is logged, and logs with the request id bound', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const root = pino({ level: 'info' }, sink);
    let children = 0;
    const counting = Object.assign(Object.create(root) as typeof root, {
      child: (...args: Parameters<typeof root.child>) => {
        children++;
        return root.child(...args);
      },
    });
    const make = (id: string) =>
      lazyRequestLogger.call({} as FastifyInstance, counting, { reqId: id }, {}, {} as never);
    const quiet = make('req-1');
    expect(quiet.level).toBe('info');
    expect(children).toBe(0);
    const loud = make('req-2');
    loud.error({ code: 'X' }, 'boom');
    loud.info('again');
    expect(children).toBe(1);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toMatchObject([
      { reqId: 'req-2', code: 'X', msg: 'boom', level: 50 },
      { reqId: 'req-2', msg: 'again', level: 30 },
    ]);
  });
});
