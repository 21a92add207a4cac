import { isIP } from 'node:net';
import { BastionError } from '../../errors/bastion-error.js';

/** A `Host` (or origin) authority split into a lower-case host name without brackets and an optional port. */
export interface Authority {
  hostname: string;
  port: number | null;
}

/** Parses `name`, `name:port`, `[v6]` or `[v6]:port`; null when it is none of these. */
export function parseAuthority(value: string): Authority | null {
  const text = value.trim().toLowerCase();
  let hostname: string;
  let rest: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return null;
    hostname = text.slice(1, end);
    if (isIP(hostname) !== 6) return null;
    rest = text.slice(end + 1);
  } else {
    const colon = text.indexOf(':');
    hostname = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
  }
  let port: number | null = null;
  if (rest) {
    if (!/^:\d{1,5}$/.test(rest)) return null;
    port = Number(rest.slice(1));
    if (port > 65535) return null;
  }
  hostname = hostname.replace(/\.$/, ''); // "localhost." is "localhost"
  if (!hostname || !/^[a-z0-9.\-:_]+$/.test(hostname)) return null;
  return { hostname, port };
}

/** Strips the brackets of an IPv6 literal and lower-cases a name given on the command line or in the config. */
export function normalizeHostname(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

export function isLoopbackName(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

const isWildcard = (hostname: string): boolean => hostname === '0.0.0.0' || hostname === '::';

/**
 * The `Host` check against DNS rebinding: a page on `evil.example` whose name is re-pointed at this machine
 * reaches the server with `Host: evil.example`, so only names the server knows as its own are accepted. Those are
 * the loopback names and addresses (for a loopback bind), the bound address, and the operator's `allowedHosts`.
 * Bound to every interface (`0.0.0.0`, `::`), any IP literal is accepted: rebinding needs a DNS name, and a
 * literal address is always one the browser really connected to. The port is not compared (proxies and port
 * forwarding change it; rebinding is about the name). A request without `Host` (HTTP/1.0 programs) is no browser
 * request and passes.
 */
export function createHostCheck(bindHost: string, allowedHosts: readonly string[]) {
  const bound = normalizeHostname(bindHost);
  const allowed = new Set(allowedHosts.map(normalizeHostname));
  const loopbackBind = isLoopbackName(bound);
  const wildcard = isWildcard(bound);

  function accepts(hostname: string): boolean {
    if (allowed.has(hostname) || hostname === bound) return true;
    if ((loopbackBind || wildcard) && isLoopbackName(hostname)) return true;
    return wildcard && isIP(hostname) !== 0;
  }

  // Accepted header values as sent (a client sends the same one on every request): the parse runs once per value.
  // Bounded, so a client varying its Host cannot grow it; refused values are never remembered.
  const seen = new Set<string>();

  /** Throws FORBIDDEN for a `Host` this server does not answer to. */
  return function checkHost(host: string | undefined): void {
    if (host === undefined || host === '' || seen.has(host)) return;
    const authority = parseAuthority(host);
    if (authority && accepts(authority.hostname)) {
      if (seen.size < 64) seen.add(host);
      return;
    }
    const shown = JSON.stringify(host.slice(0, 100));
    throw new BastionError(
      'FORBIDDEN',
      `Host ${shown} is not one this server answers to; an operator can allow a name with --allowed-host ` +
        '(BASTION_ALLOWED_HOSTS, config "allowedHosts")',
    );
  };
}
