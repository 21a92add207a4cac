/**
 * Paths MCP clients (the SDK's OAuth flow, mcp-remote) probe after a 401: OAuth 2.0 protected-resource and
 * authorization-server metadata (RFC 9728, RFC 8414, OpenID discovery, also with a path suffix) and dynamic client
 * registration. Bastion uses API keys, not OAuth: these answer 404 to everyone, key or not, so a client stops
 * there and reports the 401 (whose WWW-Authenticate names the key schemes) instead of a failed registration.
 */
const OAUTH_PROBE =
  /^\/(\.well-known\/(oauth-protected-resource|oauth-authorization-server|openid-configuration)(\/.*)?|register|authorize|token)$/;

export function isOAuthProbe(url: string): boolean {
  const q = url.indexOf('?');
  return OAUTH_PROBE.test(q < 0 ? url : url.slice(0, q));
}

export const OAUTH_NOT_SUPPORTED =
  'this server does not use OAuth; send an API key as X-API-Key or Authorization: Bearer <key>';

/** The WWW-Authenticate of every 401: the two ways a key may be sent (RFC 9110 §11.6.1, one challenge each). */
export const WWW_AUTHENTICATE = 'Bearer realm="bastion", ApiKey realm="bastion", header="X-API-Key"';
