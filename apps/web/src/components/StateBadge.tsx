import { JOB_STATUS_TEXT, PLAIN_STATE, isPluginState } from '../lib/states';

/**
 * A coloured pill for a plugin state or job status; the colour comes from `data-state` in the CSS. Plugin states
 * lead with a plain word ("ready") and keep the lifecycle state ("INITIALIZED") as the detail.
 */
export function StateBadge({ state }: { state: string }) {
  if (isPluginState(state)) {
    const plain = PLAIN_STATE[state];
    return (
      <span className="badge" data-state={state} title={`${state}: ${plain.description}`}>
        <span className="badge-dot" aria-hidden="true" />
        <span className="badge-word">{plain.word}</span>
        {plain.word.toUpperCase() !== state ? <span className="badge-detail">{state}</span> : null}
      </span>
    );
  }
  return (
    <span className="badge" data-state={state} title={(JOB_STATUS_TEXT as Record<string, string>)[state] ?? state}>
      <span className="badge-dot" aria-hidden="true" />
      <span className="badge-word">{state}</span>
    </span>
  );
}
