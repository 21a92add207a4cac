/** Hash routes: `#/plugins[/name]`, `#/run[/plugin[/tool]]`, `#/jobs[/id]`, `#/camera`. No server-side routes needed. */
export type Route =
  | { page: 'plugins'; plugin?: string | null }
  | { page: 'run'; plugin: string | null; tool: string | null }
  | { page: 'jobs'; jobId: string | null }
  | { page: 'camera' };

export function parseHash(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  switch (parts[0]) {
    case 'run':
      return { page: 'run', plugin: parts[1] ?? null, tool: parts[2] ?? null };
    case 'jobs':
      return { page: 'jobs', jobId: parts[1] ?? null };
    case 'camera':
      return { page: 'camera' };
    case 'plugins':
      return parts[1] ? { page: 'plugins', plugin: parts[1] } : { page: 'plugins' };
    default:
      return { page: 'plugins' };
  }
}

export function hrefOf(route: Route): string {
  const e = encodeURIComponent;
  switch (route.page) {
    case 'run':
      return `#/run${route.plugin ? `/${e(route.plugin)}${route.tool ? `/${e(route.tool)}` : ''}` : ''}`;
    case 'jobs':
      return `#/jobs${route.jobId ? `/${e(route.jobId)}` : ''}`;
    case 'camera':
      return '#/camera';
    default:
      return route.plugin ? `#/plugins/${e(route.plugin)}` : '#/plugins';
  }
}

/** The browser tab's title for a route: the page first, so tabs of several pages can be told apart. */
export function pageTitle(route: Route): string {
  switch (route.page) {
    case 'run':
      return `${route.plugin ? `Run ${route.plugin}${route.tool ? ` / ${route.tool}` : ''}` : 'Run a tool'} · Bastion`;
    case 'jobs':
      return `${route.jobId ? `Job ${route.jobId.slice(0, 8)}` : 'Jobs'} · Bastion`;
    case 'camera':
      return 'Live camera · Bastion';
    default:
      return `${route.plugin ? `Plugin ${route.plugin}` : 'Plugins'} · Bastion`;
  }
}
