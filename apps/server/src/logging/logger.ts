import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { ServerConfig } from '../config/schema.js';

/** `--log-format`, or by default pretty on a terminal (people read it) and JSON lines elsewhere (programs do). */
export function logFormatFor(format: ServerConfig['logFormat'], stderrIsTty: boolean): 'json' | 'pretty' {
  return format ?? (stderrIsTty ? 'pretty' : 'json');
}

/** The server's logger on stderr, in the configured format. */
export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'logFormat'>): Logger {
  const tty = process.stderr.isTTY === true;
  if (logFormatFor(config.logFormat, tty) === 'json') return pino({ level: config.logLevel }, pino.destination(2));
  // Synchronous, in this thread: a pretty log is for a person at a terminal, not for throughput.
  const stream = pinoPretty({
    destination: 2,
    sync: true,
    colorize: tty,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return pino({ level: config.logLevel }, stream);
}
