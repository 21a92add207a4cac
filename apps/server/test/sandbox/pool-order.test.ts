import { DEFAULT_LIMITS } from '../../src/config/defaults.js';
import { describe, expect, it } from 'vitest';
import type { WorkerDeath } from '../../src/sandbox/death.js';
import { PluginPool } from '../../src/sandbox/pool.js';
import { NotStarted } from '../../src/sandbox/worker-calls.js';
import type { WorkerOptions, WorkerProcess } from '../../src/sandbox/worker-process.js';

/**
 * A worker stand-in that holds up to four calls (one running, three waiting in its socket, like a real worker with
 * short calls) and can be replaced; the pool's own logic is what is tested.
 */
class HeldCalls {
  readonly calls: Array<{ tag: unknown; resolve: (json: string) => void; reject: (err: Error) => void }> = [];
  alive = true;
  constructor(private readonly onDeath: WorkerOptions['onDeath']) {}
  start = () => Promise.resolve([]);
  get busy() {
    return this.calls.length > 0;
  }
  get waiting() {
    return Math.max(0, this.calls.length - 1);
  }
  canTakeAnother = () => this.alive && this.calls.length < 4;
  call = (_tool: string, args: Record<string, unknown>) =>
    new Promise<string>((resolve, reject) => this.calls.push({ tag: args.tag, resolve, reject }));
  /** The host replaces it (a cancelled call that did not stop): the running call ends, the waiting ones go back. */
  replace(): void {
    this.alive = false;
    const death: WorkerDeath = { kind: 'replaced', code: 'CANCELLED', message: 'replaced' };
    const [running, ...waiting] = this.calls.splice(0);
    running?.reject(new Error('cancelled'));
    for (const call of waiting) call.reject(new NotStarted());
    this.onDeath(death, this as unknown as WorkerProcess);
  }
  kill = () => {};
  dispose = () => Promise.resolve();
}

describe('PluginPool', () => {
  it('calls a replaced worker never started go back to the queue in their original order, ahead of later ones', async () => {
    const workers: HeldCalls[] = [];
    const pool = new PluginPool(
      'p',
      { ...DEFAULT_LIMITS, concurrency: 1, maxQueue: 16 },
      (onDeath) => {
        const w = new HeldCalls(onDeath);
        workers.push(w);
        return w as unknown as WorkerProcess;
      },
      { onFailure: () => {}, onReloadFailure: () => {}, onQueueDepth: () => {}, onMemoryPeak: () => {} },
    );
    await pool.start();
    const opts = { timeoutMs: 1000, cancelGraceMs: 100 };
    const results = Array.from({ length: 6 }, (_, tag) => pool.run('t', { tag }, opts).catch(() => 'failed'));
    const first = workers[0] as HeldCalls;
    expect(first.calls.map((c) => c.tag)).toEqual([0, 1, 2, 3]);
    first.replace();
    // The replacement loads, then takes what was handed back and what was queued.
    await new Promise((r) => setTimeout(r, 20));
    const second = workers[1] as HeldCalls;
    expect(second.calls.map((c) => c.tag)).toEqual([1, 2, 3, 4]);
    for (const c of second.calls.splice(0)) c.resolve('1');
    await new Promise((r) => setTimeout(r, 20));
    expect(second.calls.map((c) => c.tag)).toEqual([5]);
    second.calls[0]?.resolve('1');
    expect(await Promise.all(results)).toEqual(['failed', '1', '1', '1', '1', '1']);
  });
});
