/** The on-failure restart policy: 1 s doubling to 60 s; 3 failures within 10 minutes quarantine the plugin. */
export const RESTART_POLICY = Object.freeze({
  firstDelayMs: 1000,
  maxDelayMs: 60_000,
  quarantineFailures: 3,
  windowMs: 10 * 60_000,
});

export type RestartDecision = { action: 'restart'; delayMs: number } | { action: 'quarantine'; failures: number };

/** Pure decision from the failure times within the window (newest last). */
export function decideRestart(failureTimes: number[], now: number): RestartDecision {
  const recent = failureTimes.filter((t) => now - t < RESTART_POLICY.windowMs);
  if (recent.length >= RESTART_POLICY.quarantineFailures) return { action: 'quarantine', failures: recent.length };
  const delayMs = Math.min(
    RESTART_POLICY.maxDelayMs,
    RESTART_POLICY.firstDelayMs * 2 ** Math.max(0, recent.length - 1),
  );
  return { action: 'restart', delayMs };
}
