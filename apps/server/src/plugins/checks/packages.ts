import { existsSync } from 'node:fs';
import path from 'node:path';

/** Splits `@scope/name/sub/path` into the package name and the rest. */
export function splitSpecifier(spec: string): { name: string; rest: string } {
  const parts = spec.split('/');
  const count = spec.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, count).join('/'), rest: parts.slice(count).join('/') };
}

/**
 * Finds a package's folder the way Node's resolver walks node_modules upwards from the plugin folder, without
 * importing (or even reading) any of its code.
 */
export function findPackageDir(fromDir: string, spec: string): string | null {
  const { name } = splitSpecifier(spec);
  let dir = path.resolve(fromDir);
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
