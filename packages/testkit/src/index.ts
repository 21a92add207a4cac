/**
 * @bastion/testkit — helpers shared by the bundled plugins' tests: a tool context, hostile inputs and the host's
 * own checks of a plugin folder. Test-only; nothing here ships with a plugin.
 */
export { makeCtx } from './context.js';
export { pngBombHeader, type PngBombOptions } from './png.js';
export {
  acceptedManifest,
  checkPluginFolder,
  undeclaredPackages,
  type PluginManifest,
  type StaticCheck,
} from './plugin-check.js';
