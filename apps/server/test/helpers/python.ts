import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR } from './server.js';

/** The Python fixture plugins (one per failure mode), apart from the Node ones so Node tests do not load them. */
export const PY_FIXTURES_DIR = path.resolve(FIXTURES_DIR, '..', 'python-plugins');

/** A temporary plugins dir with the Node `ok` fixture (for expectStillServing) and the named Python fixtures. */
export function pythonFixtureSubset(names: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bastion-pyfixtures-'));
  cpSync(path.join(FIXTURES_DIR, 'ok'), path.join(dir, 'ok'), { recursive: true });
  for (const name of names) cpSync(path.join(PY_FIXTURES_DIR, name), path.join(dir, name), { recursive: true });
  return dir;
}
