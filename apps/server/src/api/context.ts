import type { HostContext } from '../host-context.js';
import type { Auth } from './auth.js';

/** What the HTTP, WebSocket and MCP layers are given: the host's services and the API's auth. */
export interface ApiContext extends HostContext {
  auth: Auth;
}
