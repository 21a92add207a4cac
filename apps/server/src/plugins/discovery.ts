import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** A candidate plugin folder found under one of the plugin directories. */
export interface FoundFolder {
  folder: string;
  /** Set when the folder cannot be used at all (e.g. a link that leads outside its directory). */
  problem: string | null;
}

/**
 * Lists the plugin folders of each directory, in a stable order. Hidden folders and node_modules are skipped;
 * a folder whose real path leaves its directory is reported, never followed.
 */
export function discoverFolders(dirs: string[]): { folders: FoundFolder[]; warnings: string[] } {
  const folders: FoundFolder[] = [];
  const warnings: string[] = [];
  for (const dir of dirs) {
    let root: string;
    let names: string[];
    try {
      root = realpathSync(dir);
      names = readdirSync(root).sort();
    } catch (err) {
      warnings.push(`plugins dir ${dir}: ${(err as Error).message}`);
      continue;
    }
    for (const name of names) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const folder = path.join(root, name);
      let real: string;
      try {
        if (!statSync(folder).isDirectory()) continue;
        real = realpathSync(folder);
      } catch {
        continue;
      }
      const inside = real.startsWith(root + path.sep);
      folders.push({
        folder: inside ? real : folder,
        problem: inside
          ? null
          : `folder ${folder} links to ${real}, outside ${root}; move the plugin into the directory`,
      });
    }
  }
  return { folders, warnings };
}
