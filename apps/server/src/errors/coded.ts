import type { ErrorCode } from '@bastion/protocol';
import { BastionError } from './bastion-error.js';

/** The plugin and tool a failure belongs to, when it happened in a call. */
export interface CallPlace {
  readonly plugin: string;
  readonly tool: string;
}

/**
 * Anything thrown, as a coded error: the one way every surface turns a failure into what it answers, and the only
 * place that makes INTERNAL_ERROR (a throw that is not a BastionError is a host bug; the original is kept as
 * `cause`, for the log, and never shown to the caller). With `place`, a coded error that does not name its plugin
 * and tool yet is wrapped once in one that does (the sandbox's errors are shared between the calls they end), the
 * original kept as its cause.
 */
export function toCoded(err: unknown, place?: CallPlace): BastionError {
  if (!(err instanceof BastionError)) {
    return new BastionError('INTERNAL_ERROR', 'internal error; see the server log', place ? { ...place } : {}, {
      cause: err,
    });
  }
  if (!place || (err.extra.plugin === place.plugin && err.extra.tool === place.tool)) return err;
  return new BastionError(err.code, err.message, { ...err.extra, ...place }, { cause: err });
}

/** Whether a coded error stands for a host bug, to be logged with its cause. */
export function isUnexpected(err: BastionError): boolean {
  return err.code === 'INTERNAL_ERROR';
}

/** The registry code an HTTP status stands for, for answers made by code that has no coded error (a library's). */
export function codeOfStatus(status: number): ErrorCode {
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
}
