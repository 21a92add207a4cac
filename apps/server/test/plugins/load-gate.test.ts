import { describe, expect, it } from 'vitest';
import { LoadGate } from '../../src/plugins/load-gate.js';

describe('LoadGate', () => {
  it('runs at most `limit` tasks at once, the rest in order, and passes results and errors through', async () => {
    const gate = new LoadGate(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 3) throw new Error('three');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => gate.run(task(i))));
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      0,
      1,
      2,
      'three',
      4,
      5,
    ]);
    // The gate is free again afterwards.
    await expect(gate.run(async () => 'later')).resolves.toBe('later');
  });
});
