import type { ConnectionState } from '../api/realtime';
import { useLiveness } from '../hooks/useLiveness';
import { useRealtimeSnapshot } from '../hooks/useRealtime';
import type { Route } from '../lib/route';
import { KeyControl } from './KeyControl';

const NAV: Array<{ page: Route['page']; href: string; label: string }> = [
  { page: 'plugins', href: '#/plugins', label: 'Plugins' },
  { page: 'run', href: '#/run', label: 'Run a tool' },
  { page: 'jobs', href: '#/jobs', label: 'Jobs' },
  { page: 'camera', href: '#/camera', label: 'Live camera' },
];

const CONN_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
};

const CONN_TITLE: Record<ConnectionState, string> = {
  connecting: 'Opening the live-updates connection',
  open: 'Receiving live updates over WebSocket',
  reconnecting: 'Live updates dropped; the server answers, reconnecting',
  closed: 'No live connection; pages refresh every few seconds',
};

/** The realtime connection's state, announced politely when it changes. */
export function ConnectionIndicator() {
  const snap = useRealtimeSnapshot();
  const { reach } = useLiveness();
  const conn = snap.state;
  const down = reach === 'down' && conn !== 'open';
  return (
    <span
      className="live"
      data-conn={down ? 'down' : conn}
      title={down ? 'The server does not answer; checking every second' : CONN_TITLE[conn]}
      role="status"
      data-testid="connection"
    >
      <span className="live-dot" aria-hidden="true" />
      <span className="sr-only">Live updates: </span>
      <span className="live-label">{down ? 'Server unreachable' : CONN_LABEL[conn]}</span>
    </span>
  );
}

export function Header({ route }: { route: Route }) {
  return (
    <header className="header">
      <div className="header-inner">
        <a className="brand" href="#/plugins" aria-label="Bastion home">
          <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
            <path d="M16 2 4 7v8c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V7z" fill="var(--accent)" />
            <circle cx="16" cy="15" r="5" fill="none" stroke="#fff" strokeWidth="2.5" />
          </svg>
          <span>Bastion</span>
        </a>
        <nav className="nav" aria-label="Main">
          {NAV.map((n) => (
            <a
              key={n.page}
              href={n.href}
              className="nav-link"
              aria-current={route.page === n.page ? 'page' : undefined}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <div className="header-tools">
          <ConnectionIndicator />
          <KeyControl />
        </div>
      </div>
    </header>
  );
}
