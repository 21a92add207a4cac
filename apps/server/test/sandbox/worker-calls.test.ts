import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HostToWorker } from '../../src/sandbox/messages.js';
import { NotStarted, PIPELINE_DEPTH, WorkerCalls } from '../../src/sandbox/worker-calls.js';
import { Cancel } from '../../src/runner/cancel.js';
import type { KillReason } from '../../src/sandbox/death.js';

/** The call bookkeeping of one worker, against a recording host (pure logic: fake timers). */
describe('WorkerCalls', () => {
  let sent: HostToWorker[];
  let kills: Array<[KillReason, string]>;
  let calls: WorkerCalls;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    kills = [];
    calls = new WorkerCalls({
      send: (m) => sent.push(m),
      kill: (reason, detail) => kills.push([reason, detail]),
      onBusyChange: () => {},
      log: () => {},
    });
  });
  afterEach(() => vi.useRealTimers());

  const opts = (extra: Partial<Parameters<WorkerCalls['add']>[2]> = {}) => ({
    timeoutMs: 1000,
    cancelGraceMs: 500,
    ...extra,
  });
  const ids = () => sent.filter((m) => m.type === 'call').map((m) => (m as { id: number }).id);
  /** Finishes one short call, so the worker counts as having short calls. */
  async function warm(): Promise<void> {
    const p = calls.add('t', {}, opts());
    calls.answer({ type: 'result', id: ids().at(-1) as number, json: '1' });
    await p;
  }

  it('refuses an answer for a call the worker has not started, or never got; takes one for a cancelled waiting call', async () => {
    await warm();
    const running = calls.add('t', {}, opts());
    const cancel = new Cancel();
    const waiting = calls.add('t', {}, opts({ signal: cancel }));
    const [, runningId, waitingId] = ids() as [number, number, number];
    expect(calls.answer({ type: 'result', id: waitingId, json: '"forged"' })).toBe(false);
    expect(calls.answer({ type: 'result', id: 999, json: '"forged"' })).toBe(false);
    cancel.abort();
    expect(
      calls.answer({ type: 'error', id: waitingId, code: 'TOOL_ERROR', message: 'cancelled before it started' }),
    ).toBe(true);
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(calls.answer({ type: 'result', id: runningId, json: '2' })).toBe(true);
    await expect(running).resolves.toBe('2');
  });

  it('a new worker takes a second call only once its calls have proved short', async () => {
    void calls.add('t', {}, opts());
    expect(calls.canTakeAnother(performance.now())).toBe(false);
    calls.answer({ type: 'result', id: 1, json: '1' });
    void calls.add('t', {}, opts());
    expect(calls.canTakeAnother(performance.now())).toBe(true);
    // ...and not behind a call that has already run for a while
    vi.advanceTimersByTime(10);
    expect(calls.canTakeAnother(performance.now())).toBe(false);
  });

  it('sends waiting calls at once, but starts each one (onStart, timeout) only when the one before is answered', async () => {
    await warm();
    const started: number[] = [];
    const results = Array.from({ length: PIPELINE_DEPTH }, (_, i) =>
      calls.add('t', {}, opts({ onStart: () => started.push(i) })),
    );
    expect(ids()).toHaveLength(1 + PIPELINE_DEPTH);
    expect(calls.waiting).toBe(PIPELINE_DEPTH - 1);
    expect(started).toEqual([0]);
    await expect(calls.add('t', {}, opts())).rejects.toThrow(/full/);
    // Each call may use its whole timeout: 900 ms each, 1800 ms in all, with timeoutMs 1000.
    const [, first, second] = ids();
    vi.advanceTimersByTime(900);
    calls.answer({ type: 'result', id: first as number, json: '"a"' });
    expect(started).toEqual([0, 1]);
    vi.advanceTimersByTime(900);
    calls.answer({ type: 'result', id: second as number, json: '"b"' });
    expect(kills).toEqual([]);
    await expect(results[0]).resolves.toBe('"a"');
    await expect(results[1]).resolves.toBe('"b"');
    vi.advanceTimersByTime(1000);
    expect(kills).toEqual([['timeout', 'call exceeded 1000 ms']]);
  });

  it('a waiting call cancelled is answered by the worker and needs no grace; the running one keeps going', async () => {
    await warm();
    const running = calls.add('t', {}, opts());
    const cancel = new Cancel();
    const waiting = calls.add('t', {}, opts({ signal: cancel }));
    const [, runId, waitId] = ids();
    cancel.abort();
    expect(sent.at(-1)).toEqual({ type: 'cancel', id: waitId });
    calls.answer({ type: 'error', id: waitId as number, code: 'TOOL_ERROR', message: 'cancelled before it started' });
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    vi.advanceTimersByTime(900);
    expect(kills).toEqual([]);
    calls.answer({ type: 'result', id: runId as number, json: '1' });
    await expect(running).resolves.toBe('1');
  });

  it('when the worker dies, the running call gets its death and the waiting ones go back as NotStarted', async () => {
    await warm();
    const running = calls.add('t', {}, opts());
    const waiting = calls.add('t', {}, opts());
    calls.fail({ kind: 'crash', code: 'PLUGIN_CRASHED', message: 'worker exited with code 3' });
    await expect(running).rejects.toMatchObject({ code: 'PLUGIN_CRASHED' });
    await expect(waiting).rejects.toBeInstanceOf(NotStarted);
    expect(calls.size).toBe(0);
  });
});
