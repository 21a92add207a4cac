import { ErrorNotice } from './components/ErrorNotice';
import { Header } from './components/Header';
import { useHashRoute } from './hooks/useHashRoute';
import { usePlugins } from './hooks/usePlugins';
import { useRealtimeClient, useRealtimeSnapshot } from './hooks/useRealtime';
import { CameraPage } from './pages/CameraPage';
import { JobsPage } from './pages/JobsPage';
import { PluginDetailPage } from './pages/PluginDetailPage';
import { PluginsPage } from './pages/PluginsPage';
import { RunPage } from './pages/RunPage';

/** An `error` the server sent over the realtime connection (e.g. a refused subscription), until dismissed. */
function RealtimeErrorBanner() {
  const client = useRealtimeClient();
  const { lastError } = useRealtimeSnapshot();
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
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Header route={route} />
      <RealtimeErrorBanner />
      <main id="main" className="main" tabIndex={-1}>
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
