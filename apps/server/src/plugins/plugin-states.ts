import type { PluginState } from '@bastion/protocol';

// A plugin's states (LOADED, INITIALIZED, ...) and the moves between them; the server's own phases (starting,
// ready, draining) are lifecycle/server-lifecycle.ts.

/** First states a plugin can enter, on discovery and on an explicit restart ("— → X" in docs/architecture.md). */
export const ENTRY_STATES: readonly PluginState[] = ['LOADED', 'UNAVAILABLE', 'FAILED'];

/** The transition table ("Plugin states", docs/architecture.md) as data: every other move is refused. */
export const TRANSITIONS: Readonly<Record<PluginState, readonly PluginState[]>> = {
  LOADED: ['INITIALIZED', 'FAILED'],
  INITIALIZED: ['RUNNING', 'FAILED'],
  RUNNING: ['INITIALIZED', 'FAILED'],
  FAILED: [],
  UNAVAILABLE: [],
};

/**
 * Why a state changes. `restart` is the explicit restart (admin API, UI, server start): from any state it re-runs
 * the checks and the load, so it may enter any entry state.
 */
export type TransitionCause = 'normal' | 'restart';

export function canTransition(from: PluginState | null, to: PluginState, cause: TransitionCause): boolean {
  if (from === null || cause === 'restart') return ENTRY_STATES.includes(to);
  return TRANSITIONS[from].includes(to);
}
