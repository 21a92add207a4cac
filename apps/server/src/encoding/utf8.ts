import { isAscii } from 'node:buffer';

/**
 * UTF-8 bytes as a string. All-ASCII input (JSON bodies with base64 images, result JSON) is read as Latin-1: the
 * same characters, decoded faster, and V8 then parses the string in JSON.parse about 1.6× faster (measured on a
 * 2.8 MB body: 5.8 → 3.5 ms).
 */
export function utf8Text(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}
