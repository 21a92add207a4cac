import { watch, readdirSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { PluginManager } from './manager.js';
import type { Registry } from './registry.js';

/** Folders never watched: installed packages and VCS data change without the plugin changing. */
const IGNORED_DIRS = new Set(['node_modules', '.git']);
/** Files whose changes do not change what the worker runs: TypeScript sources (their build output does), maps. */
const IGNORED_FILE = /\.(ts|tsx|mts|cts|map)$|(^|\/)\.|~$/;
/** Editors and compilers write a burst of events per save: one restart per burst. */
const SETTLE_MS = 300;

export interface PluginWatcher {
  close(): void;
}

/**
 * `bastion serve --watch` (development): a plugin whose files change is restarted — once its calls in flight have
 * finished (it waits while the plugin is RUNNING), so no caller's call is cut — with the same transitions as an
 * explicit restart, which the UI and `/v1/realtime` show as `plugin_status` LOADED → INITIALIZED (or FAILED with the
 * reason, e.g. a syntax error's place). Each folder's top level is watched, and each subfolder but node_modules
 * recursively, so installed packages cost no watches.
 */
export function watchPlugins(
  manager: PluginManager,
  registry: Registry,
  log: { info(msg: string): void; warn(msg: string): void },
): PluginWatcher {
  const watchers: FSWatcher[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const restarting = new Set<string>();
  const again = new Set<string>();
  let closed = false;

  const idle = (name: string): Promise<void> =>
    new Promise((resolve) => {
      if (registry.state(name) !== 'RUNNING') return resolve();
      const onState = (e: { name: string; state: string }) => {
        if (e.name !== name || e.state === 'RUNNING') return;
        registry.off('state', onState);
        resolve();
      };
      registry.on('state', onState);
    });

  async function restart(name: string): Promise<void> {
    if (restarting.has(name)) {
      again.add(name); // changed while restarting: once more when this one is done
      return;
    }
    restarting.add(name);
    try {
      await idle(name);
      if (closed) return;
      log.info(`plugin ${name}: files changed; restarting`);
      await manager.restart(name);
    } catch (err) {
      log.warn(`plugin ${name}: restart after a change failed: ${(err as Error).message}`);
    } finally {
      restarting.delete(name);
      if (again.delete(name) && !closed) schedule(name);
    }
  }

  function schedule(name: string): void {
    clearTimeout(timers.get(name));
    const timer = setTimeout(() => {
      timers.delete(name);
      void restart(name);
    }, SETTLE_MS);
    timer.unref();
    timers.set(name, timer);
  }

  function watchDir(name: string, dir: string, recursive: boolean, onNewDir?: (child: string) => void): void {
    try {
      const w = watch(dir, { recursive, persistent: false }, (_event, file) => {
        const rel = typeof file === 'string' ? file : '';
        if (rel && IGNORED_FILE.test(rel)) return;
        if (onNewDir && rel && !rel.includes(path.sep)) onNewDir(rel);
        schedule(name);
      });
      w.on('error', () => w.close()); // the folder went away; a restart reports what is missing
      watchers.push(w);
    } catch (err) {
      log.warn(`plugin ${name}: cannot watch ${dir}: ${(err as Error).message}`);
    }
  }

  for (const [name, folder] of manager.folders()) {
    const watched = new Set<string>();
    const watchChild = (child: string) => {
      if (IGNORED_DIRS.has(child) || watched.has(child)) return;
      try {
        if (!readdirSync(folder, { withFileTypes: true }).some((e) => e.name === child && e.isDirectory())) return;
      } catch {
        return;
      }
      watched.add(child);
      watchDir(name, path.join(folder, child), true);
    };
    // The top level alone, adding each subfolder (also ones created later, like a first build's dist/).
    watchDir(name, folder, false, watchChild);
    try {
      for (const e of readdirSync(folder, { withFileTypes: true })) if (e.isDirectory()) watchChild(e.name);
    } catch {
      // an unreadable folder is already FAILED or UNAVAILABLE with its reason
    }
  }

  return {
    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      for (const w of watchers) w.close();
    },
  };
}
