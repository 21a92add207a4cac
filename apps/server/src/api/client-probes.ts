/**
 * Requests that MCP clients make on their own before they use a key: OAuth discovery (`/.well-known/...`, also
 * under `/mcp/`, as the MCP SDK's client walks RFC 8414 / 9728 / OpenID paths) and dynamic client registration at
 * `POST /register`. `mcp-remote` sends six of them on every connection. They answer 404 as usual but are normal
 * use, not errors: counting them would make an error-rate alert fire on every client start.
 */
export function isClientProbe(method: string, path: string): boolean {
  return path.includes('/.well-known/') || (method === 'POST' && path === '/register');
}
