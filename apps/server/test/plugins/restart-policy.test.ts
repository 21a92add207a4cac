import { describe, expect, it } from 'vitest';
import { decideRestart, RESTART_POLICY } from '../../src/plugins/restart-policy.js';

describe('on-failure restart policy', () => {
  const now = 100 * 60_000;
  it('backs off exponentially from 1 s', () => {
    expect(decideRestart([now], now)).toEqual({ action: 'restart', delayMs: 1000 });
    expect(decideRestart([now - 5000, now], now)).toEqual({ action: 'restart', delayMs: 2000 });
  });
  it('quarantines after 3 failures within 10 minutes', () => {
    expect(decideRestart([now - 3000, now - 1000, now], now)).toEqual({ action: 'quarantine', failures: 3 });
  });
  it('forgets failures older than the window', () => {
    const old = now - RESTART_POLICY.windowMs - 1;
    expect(decideRestart([old, old + 1, now], now)).toEqual({ action: 'restart', delayMs: 1000 });
  });
});
