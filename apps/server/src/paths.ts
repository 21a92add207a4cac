import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findUp(start: string, test: (dir: string) => boolean): string {
  let dir = start;
  for (;;) {
    if (test(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`not found above ${start}`);
    dir = parent;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** apps/server, whether this code runs from src/ (tests) or dist/. */
export const SERVER_ROOT = findUp(here, (d) => {
  const pkg = path.join(d, 'package.json');
  return existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@bastion/server';
});

/** The compiled worker entry; workers always run built JavaScript. */
export const WORKER_ENTRY = path.join(SERVER_ROOT, 'dist', 'sandbox', 'worker', 'main.js');

/** The repository's bundled plugins. */
export const BUNDLED_PLUGINS_DIR = path.resolve(SERVER_ROOT, '..', '..', 'plugins');

/** The Python worker's runner, SDK (`bastion_plugin`) and ForgeSyte compatibility modules: plain stdlib Python. */
export const PYTHON_DIR = path.join(SERVER_ROOT, 'python');
export const PYTHON_WORKER = path.join(PYTHON_DIR, 'worker.py');
export const PYTHON_PROBE = path.join(PYTHON_DIR, 'probe.py');
