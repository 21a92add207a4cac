/**
 * A caller's mistake, not the plugin's: the picture is not an image, a session id is unknown, a value is out of
 * range. The host answers 400 `INVALID_INPUT` with the message (and `details` when given) and no failure counter of
 * the plugin changes. Any other thrown error is a `TOOL_ERROR` (422) and counts against the plugin.
 *
 * The host recognises it by its name alone, so a plugin that cannot import the SDK may throw
 * `Object.assign(new Error(message), { name: 'InputError' })` to the same effect.
 *
 * @example
 * if (!isImage(args.image)) throw new InputError('image is not a JPEG, PNG or WebP file', { field: 'image' });
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** Machine-readable specifics for the caller, e.g. `{ field: 'image' }`; sent as the error's `details`. */
  readonly details: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.details = details;
  }
}

/**
 * True for an {@link InputError} and for any error-like value named `'InputError'` (structural, so errors thrown by
 * plugins built against another copy of the SDK, or without it, count too).
 *
 * @example
 * catch (err) { if (isInputError(err)) return badRequest(err.message, err.details); throw err; }
 */
export function isInputError(err: unknown): err is Error & { name: 'InputError'; details?: unknown } {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'InputError';
}
