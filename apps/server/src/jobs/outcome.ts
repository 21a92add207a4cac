import type { ErrorCode, JobError } from '@bastion/protocol';
import type { BastionError } from '../errors/bastion-error.js';

/** The error of a cancelled job. */
export const JOB_CANCELLED: JobError = { code: 'CANCELLED', message: 'the job was cancelled' };

/** The error of a job the host stopped under (shutdown grace over, or a restart). */
export const JOB_HOST_STOPPED: JobError = {
  code: 'HOST_RESTARTED',
  message: 'the server stopped while this job was running; submit it again',
};

/** Plugin failures a job may be retried after, when the operator opts in (cluster `queue.pluginFailureRetries`). */
const PLUGIN_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'PLUGIN_CRASHED',
  'PLUGIN_TIMEOUT',
  'PLUGIN_MEMORY_LIMIT',
  'TOOL_ERROR',
  'INVALID_OUTPUT',
]);

/** How a job's run that did not succeed ends, in either job backend. */
export type JobEnd =
  /** The host stopped under it (shutdown grace over, or the run was handed back): it did not fail. */
  | { kind: 'host-stopped' }
  /** The plugin's own queue was full of direct calls: the job waits a little and runs again, first in line. */
  | { kind: 'busy' }
  | { kind: 'cancelled'; error: JobError }
  /** `pluginFailure`: the plugin failed (cluster mode may retry it on any node). */
  | { kind: 'failed'; error: JobError; pluginFailure: boolean };

/**
 * The one mapping from a failed job call (a coded error, see errors/coded.ts) to how the job ends, shared by the
 * standalone and cluster job backends.
 */
export function jobEnd(e: BastionError, run: { aborted: boolean; stopping: boolean; handedBack?: boolean }): JobEnd {
  if (run.handedBack || e.code === 'SHUTTING_DOWN') return { kind: 'host-stopped' };
  if (e.code === 'PLUGIN_BUSY' && !run.aborted && !run.stopping) return { kind: 'busy' };
  if (e.code === 'CANCELLED') return { kind: 'cancelled', error: JOB_CANCELLED };
  return { kind: 'failed', error: { code: e.code, message: e.message }, pluginFailure: PLUGIN_FAILURES.has(e.code) };
}
