import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FRAME_RATES, RUNTIME_RATES } from '@bastion/protocol';
import { SERVER_ROOT } from '../../src/paths.js';
import { MessageGate } from '../../src/sandbox/message-gate.js';

/** The host's protocol gate: phases and rates, with time driven by the test (pure logic). */
describe('MessageGate', () => {
  const ready = { type: 'ready' as const, tools: [] };
  const result = { type: 'result' as const, id: 1, json: '1' };

  it('takes ready or load_error once, while loading; call messages only once loaded', () => {
    const gate = new MessageGate(0);
    expect(gate.admit(result, 0)).toEqual({ breach: "sent 'result' before it was loaded" });
    expect(gate.admit(ready, 0)).toBe('accept');
    expect(gate.admit(ready, 0)).toEqual({ breach: "sent 'ready' after its load had ended" });
    expect(gate.admit({ type: 'load_error', code: 'INIT_ERROR', message: 'x' }, 0)).toHaveProperty('breach');
    expect(gate.admit(result, 0)).toBe('accept');
    const failed = new MessageGate(0);
    expect(failed.admit({ type: 'load_error', code: 'INIT_ERROR', message: 'x' }, 0)).toBe('accept');
    expect(failed.admit(ready, 0)).toHaveProperty('breach');
    expect(failed.admit({ type: 'progress', id: 1, pct: 1, stage: null }, 0)).toHaveProperty('breach');
  });

  it('takes disposed only after the host asked', () => {
    const gate = new MessageGate(0);
    expect(gate.admit({ type: 'disposed' }, 0)).toHaveProperty('breach');
    gate.disposeSent();
    expect(gate.admit({ type: 'disposed' }, 0)).toBe('accept');
  });

  it('handles rated frames up to the soft rate, drops them up to the hard rate, then calls it a breach', () => {
    for (const type of ['log', 'progress', 'partial'] as const) {
      const gate = new MessageGate(0);
      gate.admit(ready, 0);
      const msg =
        type === 'log'
          ? { type, line: 'x' }
          : type === 'progress'
            ? { type, id: 1, pct: 1, stage: null }
            : { type, id: 1, json: '1' };
      const { soft, hard } = FRAME_RATES[type];
      const verdicts = Array.from({ length: soft + hard + 1 }, () => gate.admit(msg, 0));
      expect(verdicts.slice(0, soft).every((v) => v === 'accept')).toBe(true);
      expect(verdicts.slice(soft, soft + hard).every((v) => v === 'drop')).toBe(true);
      expect(verdicts.at(-1)).toHaveProperty('breach');
      // A second later the rates have refilled.
      const fresh = new MessageGate(0);
      fresh.admit(ready, 0);
      for (let i = 0; i < soft; i++) fresh.admit(msg, 0);
      expect(fresh.admit(msg, 1000)).toBe('accept');
    }
  });

  it("the runtimes' own rates stay below the host's soft rates, the Python runner's the same as the Node worker's", () => {
    for (const type of ['log', 'progress', 'partial'] as const) {
      expect(RUNTIME_RATES[type]).toBeLessThan(FRAME_RATES[type].soft);
    }
    const py = readFileSync(path.join(SERVER_ROOT, 'python', 'bastion_worker', 'rates.py'), 'utf8');
    const constant = (name: string): number => Number(new RegExp(`^${name} = (\\d+)`, 'm').exec(py)?.[1]);
    expect({ log: constant('LOG_LINES'), progress: constant('PROGRESS'), partial: constant('PARTIALS') }).toEqual(
      RUNTIME_RATES,
    );
  });
});
