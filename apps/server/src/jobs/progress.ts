/** Progress is persisted at most this often per job (every update is still pushed live). */
export const PERSIST_PROGRESS_MS = 1000;
/** How long a job waits before retrying when the plugin's own queue was full of direct calls (PLUGIN_BUSY). */
export const BUSY_RETRY_MS = 500;
const MAX_STAGE_CHARS = 200;

/** What a running job's progress looks like, in either backend (standalone SQLite or cluster). */
export interface LiveProgress {
  progress: number;
  stage: string | null;
  persistedAt: number;
}

/**
 * Applies a plugin's progress report to a running job: clamps it to 0–100 (two decimals) and bounds the stage.
 * Returns whether it is time to persist it (and marks it persisted), or null for a report that is not a number.
 */
export function applyProgress(live: LiveProgress, pct: number, stage: string | null, now = Date.now()): boolean | null {
  if (!Number.isFinite(pct)) return null;
  live.progress = Math.round(Math.min(100, Math.max(0, pct)) * 100) / 100;
  live.stage = typeof stage === 'string' ? stage.slice(0, MAX_STAGE_CHARS) : null;
  if (now - live.persistedAt < PERSIST_PROGRESS_MS) return false;
  live.persistedAt = now;
  return true;
}
