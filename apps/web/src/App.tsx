import { useEffect } from 'react';
import { ErrorNotice } from './components/ErrorNotice';
import { Header } from './components/Header';
import { ServerUnreachable } from './components/ServerUnreachable';
import { useHashRoute } from './hooks/useHashRoute';
import { usePlugins } from './hooks/usePlugins';
import { useRealtimeClient, useRealtimeSnapshot } from './hooks/useRealtime';
import { CameraPage } from './pages/CameraPage';
import { JobsPage } from './pages/JobsPage';
import { PluginDetailPage } from './pages/PluginDetailPage';
import { PluginsPage } from './pages/PluginsPage';
import { RunPage } from './pages/RunPage';
import { pageTitle } from './lib/route';

/**
 * An `error` the server sent over the realtime connection (e.g. a refused subscription), until dismissed. It
 * belongs to the page that caused it: leaving the page clears it.
 */
function RealtimeErrorBanner({ page }: { page: string }) {
  const client = useRealtimeClient();
  const { lastError } = useRealtimeSnapshot();
  useEffect(() => () => client.dismissError(), [client, page]);
  if (!lastError) return null;
  return (
    <div className="banner-stack">
      <ErrorNotice error={lastError} title="Live updates" onDismiss={() => client.dismissError()} />
    </div>
  );
}

export function App() {
  const route = useHashRoute();
  const plugins = usePlugins();
  const title = pageTitle(route);
  useEffect(() => {
    document.title = title;
  }, [title]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" className="main" tabIndex={-1}>
        <RealtimeErrorBanner page={title} />
        <ServerUnreachable />
        {route.page === 'plugins' && !route.plugin ? <PluginsPage data={plugins} /> : null}
        {route.page === 'plugins' && route.plugin ? <PluginDetailPage data={plugins} name={route.plugin} /> : null}
        {route.page === 'run' ? <RunPage data={plugins} plugin={route.plugin} tool={route.tool} /> : null}
        {route.page === 'jobs' ? <JobsPage data={plugins} jobId={route.jobId} /> : null}
        {route.page === 'camera' ? <CameraPage data={plugins} /> : null}
      </main>
      <footer className="footer muted small">
        Bastion · <a href="/openapi.json">API (OpenAPI)</a> · <a href="/metrics">Metrics</a>
      </footer>
    </>
  );
}
