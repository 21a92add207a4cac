import { FrameError, PREFIX_BYTES } from './frame.js';

/**
 * Cuts a byte stream into frames. Frames that arrive whole inside one chunk (every small message) are handed on as
 * views of that chunk, without a copy; a frame split over chunks is joined once, when its last byte is in.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Total bytes (prefix included) of the frame being collected, once its prefix is in; else -1. */
  #need = -1;

  /** @param maxFrameBytes longer frames are refused with a FrameError as soon as their length is read. */
  constructor(private readonly maxFrameBytes: number) {}

  /** Calls `each` with every frame (without its prefix) this chunk completes, in order. */
  push(chunk: Buffer, each: (frame: Buffer) => void): void {
    let rest = chunk;
    if (this.#buffered === 0) {
      let at = 0;
      while (rest.length - at >= PREFIX_BYTES) {
        const len = this.#length(rest.readUInt32LE(at));
        if (rest.length - at - PREFIX_BYTES < len) break;
        each(rest.subarray(at + PREFIX_BYTES, at + PREFIX_BYTES + len));
        at += PREFIX_BYTES + len;
      }
      if (at === rest.length) return;
      rest = rest.subarray(at);
    }
    this.#chunks.push(rest);
    this.#buffered += rest.length;
    if (this.#need < 0) {
      if (this.#buffered < PREFIX_BYTES) return;
      if ((this.#chunks[0] as Buffer).length < PREFIX_BYTES) this.#chunks = [Buffer.concat(this.#chunks)];
      this.#need = PREFIX_BYTES + this.#length((this.#chunks[0] as Buffer).readUInt32LE(0));
    }
    if (this.#buffered < this.#need) return;
    const all = Buffer.concat(this.#chunks, this.#buffered);
    const need = this.#need;
    this.#chunks = [];
    this.#buffered = 0;
    this.#need = -1;
    each(all.subarray(PREFIX_BYTES, need));
    if (all.length > need) this.push(all.subarray(need), each);
  }

  #length(len: number): number {
    if (len > this.maxFrameBytes) {
      throw new FrameError(`a frame of ${len} bytes, above the limit of ${this.maxFrameBytes}`);
    }
    return len;
  }
}
