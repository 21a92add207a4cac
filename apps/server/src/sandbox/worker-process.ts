import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '@bastion/protocol';
import { BastionError } from '../errors/bastion-error.js';
import type { CancelSignal } from './cancel.js';
import { classifyDeath, type KillReason, type WorkerDeath } from './death.js';
import { isWorkerMessage } from './ipc-validate.js';
import type { SpawnSpec } from './isolation.js';
import { LoadFailure } from './load-failure.js';
import { LogRelay, type LogSink } from './log-relay.js';
import { MemoryWatchdog } from './memory-watchdog.js';
import type { HostToWorker, LoadMessage, WorkerToHost, WorkerToolInfo } from './messages.js';
import { Channel } from './wire/channel.js';

export interface WorkerOptions {
  pluginId: string;
  spawn: SpawnSpec;
  env: NodeJS.ProcessEnv;
  cwd: string;
  memoryMb: number;
  loadTimeoutMs: number;
  load: LoadMessage;
  log: LogSink;
  onMemoryPeak: (mb: number) => void;
  /** Called once when the worker is gone, whatever the cause. */
  onDeath: (death: WorkerDeath, worker: WorkerProcess) => void;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: CancelSignal | undefined;
  /** How long a cancelled call may take to wind down before its worker is replaced. */
  cancelGraceMs: number;
  /** Called when a worker takes the call (after any wait in the queue). */
  onStart?: (() => void) | undefined;
  onProgress?: ((pct: number, stage: string | null) => void) | undefined;
  onPartial?: ((json: string) => void) | undefined;
}

interface PendingCall {
  id: number;
  resolve: (json: string) => void;
  reject: (err: BastionError) => void;
  opts: CallOptions;
  cancelled: boolean;
  timers: NodeJS.Timeout[];
  cleanup: () => void;
}

/** Longest plugin-provided message passed on to callers and the log. */
const MAX_MESSAGE_CHARS = 4000;
const clip = (s: string): string => (s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS)}…` : s);

function callError(msg: Extract<WorkerToHost, { type: 'error' }>): BastionError {
  let details: unknown;
  if (msg.detailsJson !== undefined) {
    try {
      details = JSON.parse(msg.detailsJson) as unknown;
    } catch {
      details = undefined;
    }
  }
  const code: ErrorCode = msg.code;
  return new BastionError(code, clip(msg.message), details === undefined ? {} : { details });
}

/**
 * One sandboxed worker process, host side: spawns it, drives the load handshake, runs one call at a time under a
 * timeout, and kills its process group when anything goes wrong. Message checks (ipc-validate.ts), death
 * classification (death.ts) and the memory watchdog (memory-watchdog.ts) live apart.
 */
export class WorkerProcess {
  readonly #opts: WorkerOptions;
  readonly #child: ChildProcess;
  readonly #channel: Channel<HostToWorker>;
  readonly #relay: LogRelay;
  readonly #watchdog: MemoryWatchdog | null;
  #killReason: KillReason | null = null;
  #killDetail = '';
  #dead: WorkerDeath | null = null;
  #nextId = 1;
  #pending: PendingCall | null = null;
  #load: { resolve: (tools: WorkerToolInfo[]) => void; reject: (err: LoadFailure) => void } | null = null;
  #disposed: (() => void) | null = null;
  readonly startedAt = Date.now();

  constructor(opts: WorkerOptions) {
    this.#opts = opts;
    this.#relay = new LogRelay(`[plugin ${opts.pluginId}]`, opts.log);
    this.#child = spawn(opts.spawn.command, opts.spawn.args, {
      // fd 3 is a socket pair carrying the frames of wire/frame.ts (not Node's IPC channel, whose parser throws
      // into the host on bytes a plugin could write to it).
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true, // own process group: one kill takes the worker and everything it spawned
      env: opts.env,
      cwd: opts.cwd,
    });
    this.#relay.attach(this.#child.stdout, false);
    this.#relay.attach(this.#child.stderr, true);
    const pid = this.#child.pid;
    this.#watchdog = pid
      ? new MemoryWatchdog({
          pid,
          memoryMb: opts.memoryMb,
          busy: () => this.#pending !== null || this.#load !== null,
          onPeak: opts.onMemoryPeak,
          onBreach: (message) => this.kill('memory', message),
        })
      : null;
    this.#channel = new Channel(this.#child.stdio[3] as Duplex, {
      // A result may be maxResultBytes UTF-16 units, up to 3 bytes each in UTF-8; the rest is room for the other
      // messages (tool schemas, clipped logs and errors).
      maxFrameBytes: 3 * opts.load.maxResultBytes + 8 * 1024 * 1024,
      onMessage: (msg) => this.#onMessage(msg),
      onViolation: (why) => this.kill('crash', `worker broke the IPC protocol (${why})`),
    });
    this.#child.on('error', (err) => {
      this.#killDetail = `could not start worker: ${err.message}`;
      this.#onExit(null, null);
    });
    this.#child.on('exit', (code, signal) => this.#onExit(code, signal));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** False as soon as a kill is decided, before the exit event confirms it. */
  get alive(): boolean {
    return this.#dead === null && this.#killReason === null;
  }

  get busy(): boolean {
    return this.#pending !== null;
  }

  get peakMb(): number {
    return this.#watchdog?.peakMb ?? 0;
  }

  /** Imports the plugin, runs init() and validate() within loadTimeoutMs; resolves with its tools. */
  start(): Promise<WorkerToolInfo[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#load = null;
        this.kill('timeout', `load exceeded loadTimeoutMs (${this.#opts.loadTimeoutMs} ms)`);
        reject(
          new LoadFailure(
            'LOAD_TIMEOUT',
            `import + init() + validate() did not finish within ${this.#opts.loadTimeoutMs} ms; make init() faster or raise limits.loadTimeoutMs`,
          ),
        );
      }, this.#opts.loadTimeoutMs);
      this.#load = {
        resolve: (tools) => {
          clearTimeout(timer);
          resolve(tools);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.#watchdog?.reschedule();
      this.#send(this.#opts.load);
    });
  }

  /** Runs one tool call; resolves with the result as JSON text or rejects with a coded BastionError. */
  call(tool: string, args: Record<string, unknown>, opts: CallOptions): Promise<string> {
    if (this.#dead) return Promise.reject(new BastionError(this.#dead.code, this.#dead.message));
    if (this.#pending) return Promise.reject(new Error('worker is busy')); // a pool bug, never a plugin's
    if (opts.signal?.aborted) return Promise.reject(new BastionError('CANCELLED', 'the call was cancelled'));
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      const pending: PendingCall = {
        id,
        resolve,
        reject,
        opts,
        cancelled: false,
        timers: [],
        cleanup: () => {
          for (const t of pending.timers) clearTimeout(t);
          opts.signal?.removeEventListener('abort', onAbort);
          if (this.#pending === pending) this.#pending = null;
          this.#watchdog?.reschedule();
        },
      };
      const onAbort = (): void => {
        if (pending.cancelled) return;
        pending.cancelled = true;
        // A cancelled call never turns into a timeout: only the grace period runs from here.
        for (const t of pending.timers) clearTimeout(t);
        pending.timers.length = 0;
        this.#send({ type: 'cancel', id });
        pending.timers.push(
          setTimeout(() => this.kill('replaced', 'cancelled call did not stop in time'), opts.cancelGraceMs),
        );
      };
      pending.timers.push(
        setTimeout(() => {
          this.kill('timeout', `call exceeded ${opts.timeoutMs} ms`);
        }, opts.timeoutMs),
      );
      this.#pending = pending;
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.#watchdog?.reschedule();
      this.#send({ type: 'call', id, tool, args });
    });
  }

  /** Kills the worker's whole process group now. The first reason given wins. */
  kill(reason: KillReason, detail = ''): void {
    if (this.#dead) return;
    if (!this.#killReason) {
      this.#killReason = reason;
      this.#killDetail = detail;
    }
    this.#killGroup();
    // SIGKILL cannot be caught: settle everything now, so callers and the registry see the outcome together;
    // the exit event that follows only confirms it.
    this.#finish(null, null);
  }

  /** Asks the plugin to dispose() and exit; kills it if that takes longer than graceMs. */
  async dispose(graceMs: number): Promise<void> {
    if (this.#dead) return;
    const done = new Promise<void>((resolve) => {
      this.#disposed = resolve;
    });
    this.#send({ type: 'dispose' });
    const timer = setTimeout(() => this.kill('disposed', 'dispose() took too long'), graceMs);
    await done;
    clearTimeout(timer);
  }

  #killGroup(): void {
    const pid = this.#child.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        this.#child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  #send(msg: HostToWorker): void {
    if (this.#dead) return;
    this.#channel.send(msg);
  }

  #onMessage(raw: unknown): void {
    if (!isWorkerMessage(raw)) {
      this.kill('crash', 'worker sent a message outside the protocol');
      return;
    }
    const msg = raw;
    const pending = this.#pending;
    switch (msg.type) {
      case 'ready':
        this.#watchdog?.sample(); // a first memory reading for the health record
        this.#load?.resolve(msg.tools);
        this.#load = null;
        this.#watchdog?.reschedule();
        return;
      case 'load_error':
        this.#load?.reject(new LoadFailure(msg.code, clip(msg.message)));
        this.#load = null;
        if (msg.stack) this.#opts.log(`[plugin ${this.#opts.pluginId}] ${clip(msg.stack)}`);
        return;
      case 'log':
        this.#relay.line(msg.line);
        return;
      case 'disposed':
        // Only an answer to our own request; a plugin cannot retire its worker by sending this.
        if (this.#disposed) this.#killReason ??= 'disposed';
        return;
      case 'progress':
        if (pending?.id === msg.id && !pending.cancelled) pending.opts.onProgress?.(msg.pct, msg.stage);
        return;
      case 'partial':
        if (pending?.id === msg.id && !pending.cancelled) pending.opts.onPartial?.(msg.json);
        return;
      case 'result':
      case 'error': {
        if (pending?.id !== msg.id) return;
        pending.cleanup();
        if (pending.cancelled) {
          pending.reject(new BastionError('CANCELLED', 'the call was cancelled'));
        } else if (msg.type === 'result') {
          pending.resolve(msg.json);
        } else {
          if (msg.stack) this.#opts.log(`[plugin ${this.#opts.pluginId}] ${clip(msg.stack)}`);
          pending.reject(callError(msg));
        }
        return;
      }
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#dead) return;
    this.#finish(code, signal);
  }

  #finish(exitCode: number | null, signal: NodeJS.Signals | null): void {
    if (this.#dead) return;
    const death = classifyDeath({
      killReason: this.#killReason,
      killDetail: this.#killDetail,
      exitCode,
      signal,
      stderrTail: this.#relay.tail,
      memoryMb: this.#opts.memoryMb,
    });
    this.#dead = death;
    this.#watchdog?.stop();
    // Make sure nothing the plugin spawned outlives it.
    this.#killGroup();
    if (this.#load) {
      const load = this.#load;
      this.#load = null;
      if (death.kind !== 'timeout') {
        // (a load timeout was already answered by start())
        load.reject(
          new LoadFailure(
            'LOAD_CRASHED',
            `worker died while loading (${death.message}); run 'bastion check-plugin' on the folder to see why`,
          ),
        );
      }
    }
    const pending = this.#pending;
    if (pending) {
      pending.cleanup();
      if (pending.cancelled || death.kind === 'replaced') {
        pending.reject(new BastionError('CANCELLED', 'the call was cancelled'));
      } else {
        pending.reject(new BastionError(death.code, death.message));
      }
    }
    this.#disposed?.();
    this.#opts.onDeath(death, this);
  }
}
