import { BastionError } from '../../errors/bastion-error.js';
import { parseAuthority } from './host.js';

/** How a request's `Origin` was judged: absent (a program), the server's own, or one the operator lists. */
export type OriginVerdict = 'none' | 'self' | 'listed';

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** `scheme://host[:port]` in the form browsers send (lower case, default port left out); null if not an origin. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (!(url.protocol in DEFAULT_PORT) || url.username || url.password) return null;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return null;
  return url.origin;
}

/** True when `origin` names the same host and port the request was sent to (its `Host`), over http or https. */
function isSameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  const url = new URL(origin);
  const target = parseAuthority(host);
  const from = parseAuthority(url.host);
  if (!target || !from) return false;
  // A TLS proxy in front of the server keeps the Host but the page's scheme is https: the port decides.
  const defaultPort = DEFAULT_PORT[url.protocol] ?? 80;
  return from.hostname === target.hostname && (from.port ?? defaultPort) === (target.port ?? defaultPort);
}

/**
 * The cross-site check. Browsers attach `Origin` to every cross-origin request, to every non-GET request and to
 * every WebSocket handshake, and a page cannot remove or forge it; programs (curl, SDK clients) send none. So a
 * request without `Origin` passes, as does one from the server's own origin (the web UI: the `Host` it was
 * reached at, which the host check has already accepted) or from an origin the operator lists. Everything
 * else — another site, another port of this host, `null` (sandboxed frames, file: pages) — is FORBIDDEN.
 */
export function createOriginCheck(allowedOrigins: readonly string[]) {
  const listed = new Set(allowedOrigins.map((o) => normalizeOrigin(o) ?? o));

  return function checkOrigin(origin: string | undefined, host: string | undefined): OriginVerdict {
    if (origin === undefined) return 'none';
    const normalized = normalizeOrigin(origin);
    if (normalized !== null) {
      if (listed.has(normalized)) return 'listed';
      if (isSameHost(normalized, host)) return 'self';
    }
    const shown = JSON.stringify(origin.slice(0, 200));
    throw new BastionError(
      'FORBIDDEN',
      `requests from origin ${shown} are refused (cross-site); an operator can allow it with --allowed-origin ` +
        '(BASTION_ALLOWED_ORIGINS, config "allowedOrigins")',
    );
  };
}
