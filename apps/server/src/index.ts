// The server package's library surface: only what other workspaces (the plugins' tests) need today.
export { checkPluginFolder, type StaticCheck } from './plugins/static-check.js';
