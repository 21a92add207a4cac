import { AVAILABLE_STATES } from '@bastion/protocol';
import type { JobStatus, PluginState } from '@bastion/protocol';

/** A plugin state in plain words first; the lifecycle state stays as the detail. */
export const PLAIN_STATE: Record<PluginState, { word: string; description: string }> = {
  INITIALIZED: { word: 'ready', description: 'Ready for calls' },
  RUNNING: { word: 'busy', description: 'Working on a call; more calls queue up' },
  LOADED: { word: 'starting', description: 'Worker started, loading the plugin' },
  FAILED: { word: 'failed', description: 'Stopped after a failure; needs a restart' },
  UNAVAILABLE: { word: 'unavailable', description: 'A requirement is missing' },
};

export const JOB_STATUS_TEXT: Record<JobStatus, string> = {
  queued: 'Waiting for a worker',
  running: 'In progress',
  succeeded: 'Finished',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The legend's order: what a user looks for first. */
export const LEGEND_ORDER: PluginState[] = ['INITIALIZED', 'RUNNING', 'LOADED', 'FAILED', 'UNAVAILABLE'];

export function isAvailable(state: PluginState): boolean {
  return AVAILABLE_STATES.includes(state);
}

export function isPluginState(s: string): s is PluginState {
  return Object.hasOwn(PLAIN_STATE, s);
}

/**
 * UNAVAILABLE because of how this machine is set up on purpose (no GPU for a GPU plugin, disabled in the config):
 * nothing to fix, so it does not count as needing attention.
 */
export function isUnavailableByDesign(p: { state: PluginState; reason_code: string | null }): boolean {
  return p.state === 'UNAVAILABLE' && (p.reason_code === 'GPU_UNAVAILABLE' || p.reason_code === 'DISABLED');
}
