import { BastionError } from '../errors/bastion-error.js';

/** The `before` cursor is opaque to clients; inside it is the row sequence number. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`j:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^j:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m?.[1])
    throw new BastionError('BAD_REQUEST', "invalid 'before' cursor; pass the next_before value of a previous page");
  return Number(m[1]);
}
