import type { LoadErrorCode } from './messages.js';

/** A load that did not end in `ready`. */
export class LoadFailure extends Error {
  constructor(
    readonly code: LoadErrorCode | 'LOAD_TIMEOUT' | 'LOAD_CRASHED',
    message: string,
  ) {
    super(message);
  }
}
