import { ERROR_CODES, type ErrorBody, type ErrorCode, type ErrorInfo } from '@bastion/protocol';

/** Where a failure happened, when a call was involved; rendered in the error body. */
export interface ErrorExtra {
  plugin?: string;
  tool?: string;
  details?: unknown;
  retryAfterS?: number;
}

/**
 * A failure with a code from the registry; every surface (HTTP, WS, MCP) renders it the same way. `cause` (not
 * rendered) keeps what it was made from, for the log.
 */
export class BastionError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: ErrorExtra = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BastionError';
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http ?? 500;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.extra.plugin !== undefined) info.plugin = this.extra.plugin;
    if (this.extra.tool !== undefined) info.tool = this.extra.tool;
    if (this.extra.details !== undefined) info.details = this.extra.details;
    return info;
  }

  toBody(): ErrorBody {
    return { ok: false, error: this.toInfo() };
  }
}

export function isBastionError(err: unknown): err is BastionError {
  return err instanceof BastionError;
}
