import { Header } from './components/Header';
import { useHashRoute } from './hooks/useHashRoute';
import { usePlugins } from './hooks/usePlugins';
import { CameraPage } from './pages/CameraPage';
import { JobsPage } from './pages/JobsPage';
import { PluginsPage } from './pages/PluginsPage';
import { RunPage } from './pages/RunPage';

export function App() {
  const route = useHashRoute();
  const plugins = usePlugins();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" className="main" tabIndex={-1}>
        {route.page === 'plugins' ? <PluginsPage data={plugins} /> : null}
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
