import { useRealtimeState } from '../hooks/useRealtime';
import type { Route } from '../lib/route';
import { KeyControl } from './KeyControl';

const NAV: Array<{ page: Route['page']; href: string; label: string }> = [
  { page: 'plugins', href: '#/plugins', label: 'Plugins' },
  { page: 'run', href: '#/run', label: 'Run a tool' },
  { page: 'jobs', href: '#/jobs', label: 'Jobs' },
  { page: 'camera', href: '#/camera', label: 'Live camera' },
];

export function Header({ route }: { route: Route }) {
  const conn = useRealtimeState();
  const liveLabel = conn === 'open' ? 'Live' : conn === 'connecting' ? 'Connecting' : 'Polling';
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
          <span
            className="live"
            data-conn={conn}
            title={
              conn === 'open'
                ? 'Receiving live updates over WebSocket'
                : 'No live connection; refreshing every few seconds'
            }
          >
            <span className="live-dot" aria-hidden="true" />
            {liveLabel}
          </span>
          <KeyControl />
        </div>
      </div>
    </header>
  );
}
