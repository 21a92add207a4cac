import { PLUGIN_STATES, type PluginState } from '@bastion/protocol';
import { describe, expect, it } from 'vitest';
import { canTransition, ENTRY_STATES, TRANSITIONS } from '../../src/plugins/plugin-states.js';
import { Registry } from '../../src/plugins/registry.js';
import { DEFAULT_LIMITS } from '../../src/config/defaults.js';

// The documented lifecycle (docs/architecture.md), written out independently of the implementation's table.
const ALLOWED = new Set([
  '—→LOADED',
  '—→UNAVAILABLE',
  '—→FAILED',
  'LOADED→INITIALIZED',
  'LOADED→FAILED',
  'INITIALIZED→RUNNING',
  'RUNNING→INITIALIZED',
  'RUNNING→FAILED',
  'INITIALIZED→FAILED',
]);

const FROM: Array<PluginState | null> = [null, ...PLUGIN_STATES];

describe('lifecycle transition table', () => {
  it('has exactly the five states', () => {
    expect([...PLUGIN_STATES].sort()).toEqual(['FAILED', 'INITIALIZED', 'LOADED', 'RUNNING', 'UNAVAILABLE']);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...PLUGIN_STATES].sort());
  });

  for (const from of FROM) {
    for (const to of PLUGIN_STATES) {
      const key = `${from ?? '—'}→${to}`;
      it(`${key} is ${ALLOWED.has(key) ? 'allowed' : 'refused'} in normal operation`, () => {
        expect(canTransition(from, to, 'normal')).toBe(ALLOWED.has(key));
      });
      it(`${key} on explicit restart is allowed only into an entry state`, () => {
        expect(canTransition(from, to, 'restart')).toBe(ENTRY_STATES.includes(to));
      });
    }
  }

  it('the registry refuses and logs an illegal transition, keeping the state', () => {
    const logged: string[] = [];
    const registry = new Registry((m) => logged.push(m));
    registry.register({
      name: 'p',
      folder: '/x',
      manifest: null,
      limits: { ...DEFAULT_LIMITS },
      isolation: 'process',
      memoryEnforcement: 'watchdog',
    });
    expect(registry.transition('p', 'UNAVAILABLE', { code: 'DISABLED', reason: 'off' })).toBe(true);
    expect(registry.transition('p', 'RUNNING')).toBe(false);
    expect(registry.state('p')).toBe('UNAVAILABLE');
    expect(logged.join('\n')).toMatch(/UNAVAILABLE → RUNNING/);
  });
});
