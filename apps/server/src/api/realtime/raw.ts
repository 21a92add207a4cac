import type { RawData } from 'ws';

/** A ws message as one Buffer (ws hands out a Buffer, an ArrayBuffer or fragments depending on binaryType). */
export function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
