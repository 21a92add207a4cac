const DESCRIPTIONS: Record<string, string> = {
  LOADED: 'Worker started, loading the plugin',
  INITIALIZED: 'Ready for calls',
  RUNNING: 'Working on a call',
  FAILED: 'Stopped after a failure; needs a restart',
  UNAVAILABLE: 'A requirement is missing',
  queued: 'Waiting for a worker',
  running: 'In progress',
  succeeded: 'Finished',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A coloured pill for a plugin state or job status; the colour comes from `data-state` in the CSS. */
export function StateBadge({ state }: { state: string }) {
  return (
    <span className="badge" data-state={state} title={DESCRIPTIONS[state] ?? state}>
      <span className="badge-dot" aria-hidden="true" />
      {state}
    </span>
  );
}
