import type { Duplex } from 'node:stream';
import type { HostToWorker, WorkerToHost } from '../messages.js';
import { decodeFrame, encodeFrame, FrameError, type DecodeLimits } from './frame.js';
import { FrameReader } from './frame-reader.js';

export interface ChannelOptions {
  /** Longest frame accepted from the other end. */
  maxFrameBytes: number;
  /** What one frame from the other end may hold (wire/frame.ts). */
  limits: DecodeLimits;
  /** Each decoded message; its shape is for the receiver to check. */
  onMessage: (msg: Record<string, unknown>) => void;
  /**
   * The other end broke the format, or handling one of its messages threw (`cause` is then that exception); nothing
   * more is read from it.
   */
  onViolation: (reason: string, cause?: unknown) => void;
  /** The other end is gone. */
  onClose?: () => void;
}

/**
 * One end of the host–worker socket pair: frames out, frames in (see frame.ts). Sending never throws: after the
 * other end is gone, messages are dropped and the owner learns of it from `onClose` (or the worker's exit).
 */
export class Channel<Out extends HostToWorker | WorkerToHost> {
  readonly #socket: Duplex;
  readonly #reader: FrameReader;
  readonly #opts: ChannelOptions;
  #broken = false;
  #corked = false;

  constructor(socket: Duplex, opts: ChannelOptions) {
    this.#socket = socket;
    this.#opts = opts;
    this.#reader = new FrameReader(opts.maxFrameBytes);
    socket.on('data', this.#onData);
    // EPIPE/ECONNRESET after the other end died: its exit is what reports the cause.
    socket.on('error', () => {});
    socket.on('close', () => opts.onClose?.());
  }

  send(msg: Out): void {
    if (this.#socket.destroyed || !this.#socket.writable) return;
    this.#socket.write(encodeFrame(msg));
  }

  /**
   * Like send, but what is sent in the same turn of the event loop leaves in one write, at the end of that turn:
   * calls dispatched by one batch of HTTP requests, answers of calls that ran back to back.
   */
  sendBatched(msg: Out): void {
    if (this.#socket.destroyed || !this.#socket.writable) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      setImmediate(this.#uncork);
    }
    this.#socket.write(encodeFrame(msg));
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  /** Sends what is queued, closes the sending side, then calls `done`. */
  end(done: () => void): void {
    this.#socket.end(done);
  }

  readonly #onFrame = (frame: Buffer): void => {
    // The rest of a chunk after its reader ended the conversation (killed the worker) is not even decoded.
    if (!this.#broken && !this.#socket.destroyed) this.#opts.onMessage(decodeFrame(frame, this.#opts.limits));
  };

  /**
   * Nothing the other end sends may throw out of this handler (an exception escaping a socket's 'data' listener
   * ends the process): a frame that breaks the format and an exception while handling a message both end the
   * conversation through onViolation.
   */
  readonly #onData = (chunk: Buffer): void => {
    if (this.#broken) return;
    try {
      this.#reader.push(chunk, this.#onFrame);
    } catch (err) {
      this.#broken = true;
      this.#socket.pause();
      if (err instanceof FrameError) this.#opts.onViolation(err.message);
      else this.#opts.onViolation(`handling its message threw: ${describe(err)}`, err);
    }
  };
}

function describe(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return 'an unprintable value';
  }
}
