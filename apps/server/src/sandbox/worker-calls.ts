import { MAX_DETAILS_DEPTH } from '@bastion/protocol/worker-limits';
import { clip } from '../encoding/clip.js';
import { nestsDeeperThan } from '../encoding/json-depth.js';
import { BastionError } from '../errors/bastion-error.js';
import type { CancelSignal } from './cancel.js';
import type { KillReason, WorkerDeath } from './death.js';
import type { HostToWorker, WorkerToHost } from './messages.js';

export interface CallOptions {
  timeoutMs: number;
  signal?: CancelSignal | undefined;
  /** How long a cancelled call may take to wind down before its worker is replaced. */
  cancelGraceMs: number;
  /** Called when the worker starts the call (after any wait in a queue). */
  onStart?: (() => void) | undefined;
  onProgress?: ((pct: number, stage: string | null) => void) | undefined;
  onPartial?: ((json: string) => void) | undefined;
}

/**
 * A call the worker had not started when it went away. The pool gives it to another worker (or refuses it the way
 * it refuses its queue); it never reaches a caller.
 */
export class NotStarted extends Error {}

/** Calls one worker holds at most: the one it runs and up to three waiting in its socket (see WorkerCalls). */
export const PIPELINE_DEPTH = 4;
/** A worker takes a waiting call only while its calls are this short (mean, and the running one so far). */
const PIPELINE_MAX_CALL_MS = 5;

interface PendingCall {
  id: number;
  resolve: (json: string) => void;
  reject: (err: Error) => void;
  opts: CallOptions;
  cancelled: boolean;
  /** performance.now() when the worker started it; -1 before. */
  startedAt: number;
  timer: NodeJS.Timeout | null;
  onAbort: () => void;
}

/** Longest plugin-provided message passed on to callers and the log. */
const MAX_MESSAGE_CHARS = 4000;
export const clipMessage = (s: string): string => clip(s, MAX_MESSAGE_CHARS);

function callError(msg: Extract<WorkerToHost, { type: 'error' }>): BastionError {
  let details: unknown;
  // Details end up in error bodies the host serialises: deeper ones are dropped, not parsed.
  if (msg.detailsJson !== undefined && !nestsDeeperThan(msg.detailsJson, MAX_DETAILS_DEPTH)) {
    try {
      details = JSON.parse(msg.detailsJson) as unknown;
    } catch {
      details = undefined;
    }
  }
  return new BastionError(msg.code, clipMessage(msg.message), details === undefined ? {} : { details });
}

export interface WorkerCallsHost {
  send(msg: HostToWorker): void;
  kill(reason: KillReason, detail: string): void;
  /** The call set went from idle to busy or back (the memory watchdog samples faster while busy). */
  onBusyChange(): void;
  log(line: string): void;
}

/**
 * The calls of one worker, in the order it runs them. The worker runs one at a time; when its calls have been short,
 * the pool may hand it the next one before the current one ends (PIPELINE_DEPTH), so the next call is already in
 * its socket when it finishes: at thousands of trivial calls a second that halves the system calls and wake-ups per
 * call on both sides. Each call's timeout runs from the moment it starts, which the host knows exactly: when the
 * one before it is answered.
 */
export class WorkerCalls {
  readonly #calls: PendingCall[] = [];
  #nextId = 1;
  /** Moving mean of started calls' durations; NaN until one finished, so a new worker never takes two at once. */
  #meanMs = Number.NaN;

  constructor(private readonly host: WorkerCallsHost) {}

  get size(): number {
    return this.#calls.length;
  }

  /** Calls handed to this worker that it has not started yet. */
  get waiting(): number {
    return this.#calls.length > 0 ? this.#calls.length - 1 : 0;
  }

  /** Whether one more call may wait behind the one running (short calls only: see the class comment). */
  canTakeAnother(now: number): boolean {
    const head = this.#calls[0];
    return (
      head !== undefined &&
      this.#calls.length < PIPELINE_DEPTH &&
      this.#meanMs < PIPELINE_MAX_CALL_MS &&
      head.startedAt >= 0 &&
      now - head.startedAt < PIPELINE_MAX_CALL_MS
    );
  }

  add(tool: string, args: Record<string, unknown>, opts: CallOptions): Promise<string> {
    if (this.#calls.length >= PIPELINE_DEPTH) return Promise.reject(new Error('worker is full')); // a pool bug
    if (opts.signal?.aborted) return Promise.reject(new BastionError('CANCELLED', 'the call was cancelled'));
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      const call: PendingCall = {
        id,
        resolve,
        reject,
        opts,
        cancelled: false,
        startedAt: -1,
        timer: null,
        onAbort: () => this.#cancel(call),
      };
      opts.signal?.addEventListener('abort', call.onAbort, { once: true });
      this.#calls.push(call);
      this.host.send({ type: 'call', id, tool, args });
      if (this.#calls.length === 1) {
        this.#start(call);
        this.host.onBusyChange();
      }
    });
  }

  /**
   * A result or error from the worker. False when the worker may not answer that call: only the call it runs (the
   * first) and waiting calls the host cancelled (the worker drops those unstarted) have an answer due. Anything else
   * is forged, and the caller ends the worker.
   */
  answer(msg: Extract<WorkerToHost, { type: 'result' | 'error' }>): boolean {
    const i = this.#calls.findIndex((c) => c.id === msg.id);
    if (i < 0 || (i > 0 && !(this.#calls[i] as PendingCall).cancelled)) return false;
    const call = this.#calls[i] as PendingCall;
    this.#calls.splice(i, 1);
    this.#settle(call);
    if (call.startedAt >= 0 && !call.cancelled) {
      const ms = performance.now() - call.startedAt;
      this.#meanMs = Number.isNaN(this.#meanMs) ? ms : this.#meanMs * 0.8 + ms * 0.2;
    }
    if (call.cancelled) {
      call.reject(new BastionError('CANCELLED', 'the call was cancelled'));
    } else if (msg.type === 'result') {
      call.resolve(msg.json);
    } else {
      if (msg.stack) this.host.log(clipMessage(msg.stack));
      call.reject(callError(msg));
    }
    const next = this.#calls[0];
    if (i === 0 && next) this.#start(next);
    if (this.#calls.length === 0) this.host.onBusyChange();
    return true;
  }

  progress(msg: Extract<WorkerToHost, { type: 'progress' }>): void {
    const call = this.#calls[0];
    if (call?.id === msg.id && !call.cancelled) call.opts.onProgress?.(msg.pct, msg.stage);
  }

  partial(msg: Extract<WorkerToHost, { type: 'partial' }>): void {
    const call = this.#calls[0];
    if (call?.id === msg.id && !call.cancelled) call.opts.onPartial?.(msg.json);
  }

  /** The worker is gone: the running call fails with its death, the ones it had not started go back to the pool. */
  fail(death: WorkerDeath): void {
    const calls = this.#calls.splice(0);
    calls.forEach((call, i) => {
      this.#settle(call);
      if (call.cancelled || (i === 0 && death.kind === 'replaced')) {
        call.reject(new BastionError('CANCELLED', 'the call was cancelled'));
      } else if (i === 0) {
        call.reject(new BastionError(death.code, death.message));
      } else {
        call.reject(new NotStarted());
      }
    });
  }

  /** The call is the worker's now: its timeout (or, if it was cancelled while waiting, its grace) runs from here. */
  #start(call: PendingCall): void {
    call.startedAt = performance.now();
    if (call.cancelled) {
      this.#startGrace(call);
      return;
    }
    call.opts.onStart?.();
    call.timer = setTimeout(
      () => this.host.kill('timeout', `call exceeded ${call.opts.timeoutMs} ms`),
      call.opts.timeoutMs,
    );
  }

  #cancel(call: PendingCall): void {
    if (call.cancelled) return;
    call.cancelled = true;
    this.host.send({ type: 'cancel', id: call.id });
    // A cancelled call never turns into a timeout: only the grace period runs from here (or from its start).
    if (call.startedAt >= 0) this.#startGrace(call);
  }

  #startGrace(call: PendingCall): void {
    if (call.timer) clearTimeout(call.timer);
    call.timer = setTimeout(
      () => this.host.kill('replaced', 'cancelled call did not stop in time'),
      call.opts.cancelGraceMs,
    );
  }

  #settle(call: PendingCall): void {
    if (call.timer) clearTimeout(call.timer);
    call.timer = null;
    call.opts.signal?.removeEventListener('abort', call.onAbort);
  }
}
