import { hasKeys, loadServeConfig } from '../config/load.js';
import { createServer } from '../server.js';
import { watchPlugins, type PluginWatcher } from '../plugins/watch.js';
import { onStopTrigger } from './stop-triggers.js';

/** Past the shutdown grace, how long disposing workers and closing sockets may take before the process gives up. */
const CLOSE_MARGIN_MS = 15_000;

/**
 * `bastion serve`: start the server, print the URL, and stop cleanly — no new work, calls in flight get the grace,
 * workers disposed, exit 0 — on SIGINT/SIGTERM or when whatever started it goes away (stop-triggers.ts).
 */
export async function serve(argv: string[]): Promise<number> {
  const config = loadServeConfig(argv);
  // Listen for stop triggers from the start: a SIGTERM while plugins load must stop cleanly too.
  let requested: string | null = null;
  let stop: ((why: string) => void) | null = null;
  const dispose = onStopTrigger((why) => (stop ? stop(why) : (requested = why)));
  const server = await createServer(config);
  const url = await server.listen();
  process.stdout.write(`listening on ${url}\n`);
  if (!hasKeys(config)) server.logger.warn('no API keys configured: anyone who can reach this port can use it');
  // Development only: watching starts once startup loading is done, so it never races the first load.
  let watcher: PluginWatcher | null = null;
  if (config.watch) {
    void server.loaded.then(() => {
      if (server.ctx.lifecycle.draining) return; // stopped while loading
      watcher = watchPlugins(server.ctx.manager, server.ctx.registry, server.logger);
      server.logger.info('watching plugin folders: a plugin whose files change restarts after its calls in flight');
    });
  }
  return new Promise<number>((resolve) => {
    stop = (why) => {
      watcher?.close();
      const grace = config.file.shutdownGraceMs;
      server.logger.info(`${why}: stopping (grace ${grace} ms)`);
      const started = Date.now();
      const hardStop = setTimeout(() => {
        server.logger.error(`shutdown did not finish within ${grace + CLOSE_MARGIN_MS} ms; exiting anyway`);
        resolve(1);
      }, grace + CLOSE_MARGIN_MS);
      hardStop.unref();
      server.close().then(
        () => {
          clearTimeout(hardStop);
          dispose();
          server.logger.info(`stopped in ${Date.now() - started} ms`);
          resolve(0);
        },
        (err: unknown) => {
          server.logger.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    if (requested) stop(requested);
  });
}
