import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SERVER_ROOT } from '../../paths.js';
import type { HostPackageSpecs } from './template.js';

/** The folder of an installed package, or null when it does not resolve from `from`. */
function packageDir(name: string, from: string): string | null {
  try {
    const entry = createRequire(path.join(from, 'package.json')).resolve(name);
    let dir = path.dirname(entry);
    while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') dir = path.dirname(dir);
    return realpathSync(dir);
  } catch {
    return null;
  }
}

/**
 * How a new plugin folder depends on `@bastion/sdk`, `@bastion/testkit` and `@bastion/server`, which are on no
 * registry: inside this repository (where they resolve already, as workspaces) by version; anywhere else by
 * `file:` links to this host's installed copies, so `npm install` in the folder links them (offline, no E404)
 * and keeps them when the author adds dependencies of their own.
 */
export function hostPackageSpecs(folder: string, hostVersion: string): HostPackageSpecs {
  const names = { sdk: '@bastion/sdk', testkit: '@bastion/testkit', server: '@bastion/server' } as const;
  const specs = {} as Record<keyof HostPackageSpecs, string>;
  for (const [key, name] of Object.entries(names) as Array<[keyof HostPackageSpecs, string]>) {
    if (packageDir(name, folder)) {
      specs[key] = hostVersion;
      continue;
    }
    const target = key === 'server' ? realpathSync(SERVER_ROOT) : packageDir(name, SERVER_ROOT);
    if (!target) throw new Error(`${name} is not installed next to this host (${SERVER_ROOT}); run 'npm ci' there`);
    specs[key] = `file:${target}`;
  }
  return specs;
}
