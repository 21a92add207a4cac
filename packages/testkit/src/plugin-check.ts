import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkPluginFolder, type StaticCheck } from '@bastion/server';

/**
 * The host's own static checks of a plugin folder, for plugins' manifest tests: `checkPluginFolder(folder)` runs
 * exactly what the host runs before loading a plugin (manifest schema, GPU probe, packages resolving from the folder,
 * binaries on PATH, model files' size, magic bytes and sha256) and returns `{ ok: true, manifest }` or the first
 * problem. Pass `{ allowCpu: true }` or a fake `gpu` probe to make GPU plugins' outcome independent of the machine.
 */
export { checkPluginFolder, type StaticCheck };

/** A plugin's manifest as the host reads it (ids, entry, requirements, declared limits). */
export type PluginManifest = Extract<StaticCheck, { ok: true }>['manifest'];

/**
 * Runs {@link checkPluginFolder} and returns the manifest when the host accepts the folder; otherwise throws an
 * error naming the stage and the host's reasons, so a failing test says what the host would say.
 */
export async function acceptedManifest(
  folder: string,
  opts: Parameters<typeof checkPluginFolder>[1] = {},
): Promise<PluginManifest> {
  const check = await checkPluginFolder(folder, opts);
  if (check.ok) return check.manifest;
  const why = check.stage === 'manifest' ? check.problems.join('; ') : `${check.problem.code}: ${check.problem.reason}`;
  throw new Error(`the host refuses ${folder} (${check.stage} stage): ${why}`);
}

/**
 * The packages a manifest requires that the folder's package.json does not list in `dependencies`: they resolve in
 * this workspace but would be missing from an install of the plugin on its own. The host does not check this.
 */
export function undeclaredPackages(folder: string, manifest: PluginManifest): string[] {
  const pkg = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return manifest.requires.packages.filter((name) => pkg.dependencies?.[name] === undefined);
}
