import { hasKeys, loadServeConfig } from '../config/load.js';
import { createServer } from '../server.js';

/** `bastion serve`: start the server, print the URL, stop cleanly on SIGINT/SIGTERM. */
export async function serve(argv: string[]): Promise<number> {
  const config = loadServeConfig(argv);
  const server = await createServer(config);
  const url = await server.listen();
  process.stdout.write(`listening on ${url}\n`);
  if (!hasKeys(config)) server.logger.warn('no API keys configured: anyone who can reach this port can use it');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      server.logger.info(`${signal}: stopping (grace ${config.file.shutdownGraceMs} ms)`);
      server.close().then(
        () => resolve(0),
        (err: unknown) => {
          server.logger.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
