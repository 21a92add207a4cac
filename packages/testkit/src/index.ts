/**
 * @bastion/testkit — testing a Bastion plugin: {@link loadPlugin} runs it in the real sandbox and calls its tools
 * through the real API; `makeCtx` calls handlers in-process; hostile inputs and the host's static checks of a
 * folder. Test-only; nothing here ships with a plugin.
 */
export { loadPlugin, ToolCallError, type LoadedPlugin, type LoadPluginOptions } from './load.js';
export { makeCtx } from './context.js';
export { pngBombHeader, type PngBombOptions } from './png.js';
export {
  acceptedManifest,
  checkPluginFolder,
  undeclaredPackages,
  type PluginManifest,
  type StaticCheck,
} from './plugin-check.js';
