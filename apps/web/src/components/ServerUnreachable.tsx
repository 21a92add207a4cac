import { useLiveness, useSecondsSince } from '../hooks/useLiveness';

/** "Last seen 12 s ago" for a moment in epoch ms. */
export function lastSeenText(seconds: number | null): string {
  if (seconds === null) return 'not seen yet';
  if (seconds < 1) return 'last seen just now';
  if (seconds < 120) return `last seen ${seconds} s ago`;
  return `last seen ${Math.round(seconds / 60)} min ago`;
}

/**
 * The page's notice while the server does not answer: since when, and that the UI checks every second and comes
 * back by itself. Nothing while the server answers.
 */
export function ServerUnreachable() {
  const { reach, lastSeenAt } = useLiveness();
  const seconds = useSecondsSince(reach === 'up' ? null : lastSeenAt);
  if (reach !== 'down') return null;
  return (
    <div className="notice notice-offline" role="status" data-testid="server-unreachable">
      <div className="notice-head">
        <code className="code-chip">NETWORK_ERROR</code>
        <strong>The Bastion server is not answering</strong>
      </div>
      <p className="notice-message">
        {lastSeenText(seconds)[0]!.toUpperCase() + lastSeenText(seconds).slice(1)}. What you see below is how things
        were then; actions are off until it answers. Checking every second — this page updates itself.
      </p>
    </div>
  );
}
