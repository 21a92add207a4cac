// The server package's library surface: only what other workspaces need (plugins' tests through @bastion/testkit,
// the CLI's scaffold). Everything else is internal.
export { checkPluginFolder, type StaticCheck } from './plugins/static-check.js';
export { openPluginHost, type HostCallOutcome, type PluginHost, type PluginHostOptions } from './single-host.js';
