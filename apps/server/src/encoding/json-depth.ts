/**
 * Whether JSON text nests deeper than `max` (arrays and objects), found in one pass without parsing. The host runs
 * this on every JSON text a worker sends before it parses it: V8's JSON.parse takes seconds on a few megabytes
 * nested a million deep, and JSON.stringify overflows the stack on what it built. The scan stops at the first level
 * past `max`. Only the bracket structure is read; whether the text is JSON at all is JSON.parse's job. Works on a
 * string or on its UTF-8 bytes: the structural characters are ASCII, and no byte of a multi-byte sequence is.
 */
export function nestsDeeperThan(text: Uint8Array | string, max: number): boolean {
  const isString = typeof text === 'string';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = isString ? text.charCodeAt(i) : (text[i] as number);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
