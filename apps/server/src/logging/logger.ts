import { pino, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import type { ServerConfig } from '../config/schema.js';

/** `--log-format`, or by default pretty on a terminal (people read it) and JSON lines elsewhere (programs do). */
export function logFormatFor(format: ServerConfig['logFormat'], stderrIsTty: boolean): 'json' | 'pretty' {
  return format ?? (stderrIsTty ? 'pretty' : 'json');
}

/** The server's logger on stderr, in the configured format; `serializers` shape what lines carry (e.g. redaction). */
export function createLogger(
  config: Pick<ServerConfig, 'logLevel' | 'logFormat'>,
  serializers: LoggerOptions['serializers'] = {},
): Logger {
  const tty = process.stderr.isTTY === true;
  const options: LoggerOptions = { level: config.logLevel, serializers };
  if (logFormatFor(config.logFormat, tty) === 'json') return pino(options, pino.destination(2));
  // Synchronous, in this thread: a pretty log is for a person at a terminal, not for throughput.
  const stream = pinoPretty({
    destination: 2,
    sync: true,
    colorize: tty,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return pino(options, stream);
}
