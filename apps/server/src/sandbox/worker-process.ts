import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { ErrorCode } from '@bastion/protocol';
import { BastionError } from '../errors/bastion-error.js';
import type { SpawnSpec } from './isolation.js';
import { LogRelay, type LogSink } from './log-relay.js';
import type { HostToWorker, LoadErrorCode, WorkerToHost, WorkerToolInfo } from './messages.js';
import { TreeMemory } from './proc-memory.js';

/** Why a worker is gone. `replaced` and `disposed` are the host's own doing and never count as failures. */
export type DeathKind = 'crash' | 'memory' | 'timeout' | 'replaced' | 'disposed';

export interface WorkerDeath {
  kind: DeathKind;
  code: ErrorCode;
  message: string;
}

/** A load that did not end in `ready`. */
export class LoadFailure extends Error {
  constructor(
    readonly code: LoadErrorCode | 'LOAD_TIMEOUT' | 'LOAD_CRASHED',
    message: string,
  ) {
    super(message);
  }
}

export interface WorkerOptions {
  pluginId: string;
  spawn: SpawnSpec;
  env: NodeJS.ProcessEnv;
  cwd: string;
  memoryMb: number;
  loadTimeoutMs: number;
  load: Extract<HostToWorker, { type: 'load' }>;
  log: LogSink;
  onMemoryPeak: (mb: number) => void;
  /** Called once when the worker is gone, whatever the cause. */
  onDeath: (death: WorkerDeath, worker: WorkerProcess) => void;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
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

const BUSY_SAMPLE_MS = 25;
const IDLE_SAMPLE_MS = 500;
const HEAP_OOM = /heap out of memory|Reached heap limit|Allocation failed - JavaScript heap/i;

function signalName(num: number): string {
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === num);
  return entry ? entry[0] : `signal ${num}`;
}

function isWorkerMessage(msg: unknown): msg is WorkerToHost {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return Array.isArray(m.tools);
    case 'load_error':
      return typeof m.code === 'string' && typeof m.message === 'string';
    case 'result':
    case 'partial':
      return typeof m.id === 'number' && typeof m.json === 'string';
    case 'error':
      return typeof m.id === 'number' && typeof m.code === 'string' && typeof m.message === 'string';
    case 'progress':
      return typeof m.id === 'number' && typeof m.pct === 'number';
    case 'log':
      return typeof m.line === 'string';
    case 'disposed':
      return true;
    default:
      return false;
  }
}

/**
 * One sandboxed worker process: spawns it, drives the load, runs one call at a time under a timeout, watches
 * the memory of its whole process tree, and kills its process group when anything goes wrong.
 */
export class WorkerProcess {
  readonly #opts: WorkerOptions;
  readonly #child: ChildProcess;
  readonly #relay: LogRelay;
  readonly #memory: TreeMemory | null;
  #killReason: DeathKind | null = null;
  #killDetail = '';
  #dead: WorkerDeath | null = null;
  #nextId = 1;
  #pending: PendingCall | null = null;
  #load: { resolve: (tools: WorkerToolInfo[]) => void; reject: (err: LoadFailure) => void } | null = null;
  #sampleTimer: NodeJS.Timeout | null = null;
  #peakMb = 0;
  #disposed: (() => void) | null = null;
  readonly startedAt = Date.now();

  constructor(opts: WorkerOptions) {
    this.#opts = opts;
    this.#relay = new LogRelay(`[plugin ${opts.pluginId}]`, opts.log);
    this.#child = spawn(opts.spawn.command, opts.spawn.args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true, // own process group: one kill takes the worker and everything it spawned
      serialization: 'advanced',
      env: opts.env,
      cwd: opts.cwd,
    });
    this.#relay.attach(this.#child.stdout, false);
    this.#relay.attach(this.#child.stderr, true);
    this.#memory = this.#child.pid ? new TreeMemory(this.#child.pid) : null;
    this.#child.on('message', (msg: unknown) => this.#onMessage(msg));
    this.#child.on('error', (err) => {
      this.#killDetail = `could not start worker: ${err.message}`;
      this.#onExit(null, null);
    });
    this.#child.on('exit', (code, signal) => this.#onExit(code, signal));
    // IPC write errors after a crash are expected; the exit handler reports the real cause.
    this.#child.on('disconnect', () => {});
    this.#scheduleSample();
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
    return this.#peakMb;
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
          this.#scheduleSample();
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
      this.#scheduleSample();
      this.#send({ type: 'call', id, tool, args });
    });
  }

  /** Kills the worker's whole process group now. The first reason given wins. */
  kill(reason: DeathKind, detail = ''): void {
    if (this.#dead) return;
    if (!this.#killReason) {
      this.#killReason = reason;
      this.#killDetail = detail;
    }
    const pid = this.#child.pid;
    if (pid) {
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
    // SIGKILL cannot be caught: settle everything now, so callers and the registry see the outcome together;
    // the exit event that follows only confirms it.
    this.#finish(this.#death(null, null));
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

  #send(msg: HostToWorker): void {
    if (!this.#child.connected) return;
    try {
      this.#child.send(msg, (err) => {
        if (err) this.#opts.log(`[plugin ${this.#opts.pluginId}] IPC send failed: ${err.message}`);
      });
    } catch (err) {
      this.#opts.log(`[plugin ${this.#opts.pluginId}] IPC send failed: ${(err as Error).message}`);
    }
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
        this.#sample(); // a first memory reading for the health record
        this.#load?.resolve(msg.tools);
        this.#load = null;
        return;
      case 'load_error':
        this.#load?.reject(new LoadFailure(msg.code, msg.message));
        this.#load = null;
        if (msg.stack) this.#opts.log(`[plugin ${this.#opts.pluginId}] ${msg.stack}`);
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
          if (msg.stack) this.#opts.log(`[plugin ${this.#opts.pluginId}] ${msg.stack}`);
          pending.reject(new BastionError(msg.code, msg.message));
        }
        return;
      }
    }
  }

  #death(code: number | null, signal: NodeJS.Signals | null): WorkerDeath {
    const reason = this.#killReason;
    const detail = this.#killDetail;
    if (reason === 'timeout') return { kind: 'timeout', code: 'PLUGIN_TIMEOUT', message: `worker killed: ${detail}` };
    if (reason === 'memory') return { kind: 'memory', code: 'PLUGIN_MEMORY_LIMIT', message: detail };
    if (reason === 'replaced') return { kind: 'replaced', code: 'CANCELLED', message: detail || 'worker replaced' };
    if (reason === 'disposed') return { kind: 'disposed', code: 'PLUGIN_CRASHED', message: 'worker stopped' };
    if (HEAP_OOM.test(this.#relay.tail)) {
      return {
        kind: 'memory',
        code: 'PLUGIN_MEMORY_LIMIT',
        message: `worker ran out of V8 heap (memoryMb ${this.#opts.memoryMb}); raise memoryMb for this plugin or reduce its input`,
      };
    }
    if (reason === 'crash') return { kind: 'crash', code: 'PLUGIN_CRASHED', message: `worker killed: ${detail}` };
    // Through bubblewrap a signal death shows as exit code 128+N.
    const sig = signal ?? (code !== null && code > 128 && code < 160 ? signalName(code - 128) : null);
    const how = detail || (sig ? `killed by ${sig}` : `exited with code ${code}`);
    return { kind: 'crash', code: 'PLUGIN_CRASHED', message: `worker ${how}` };
  }

  #settleDeath(pending: PendingCall, death: WorkerDeath): void {
    pending.cleanup();
    if (pending.cancelled || death.kind === 'replaced') {
      pending.reject(new BastionError('CANCELLED', 'the call was cancelled'));
    } else {
      pending.reject(new BastionError(death.code, death.message));
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#dead) return;
    this.#finish(this.#death(code, signal));
  }

  #finish(death: WorkerDeath): void {
    if (this.#dead) return;
    this.#dead = death;
    if (this.#sampleTimer) clearTimeout(this.#sampleTimer);
    // Make sure nothing the plugin spawned outlives it.
    if (this.#child.pid) {
      try {
        process.kill(-this.#child.pid, 'SIGKILL');
      } catch {
        // group already empty
      }
    }
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
    if (pending) this.#settleDeath(pending, death);
    this.#disposed?.();
    this.#opts.onDeath(death, this);
  }

  #scheduleSample(): void {
    if (this.#dead || !this.#memory) return;
    if (this.#sampleTimer) clearTimeout(this.#sampleTimer);
    const every = this.#pending || this.#load ? BUSY_SAMPLE_MS : IDLE_SAMPLE_MS;
    this.#sampleTimer = setTimeout(() => {
      this.#sampleTimer = null;
      this.#sample();
      this.#scheduleSample();
    }, every);
    this.#sampleTimer.unref();
  }

  #sample(): void {
    if (!this.#memory || this.#dead) return;
    const { rssMb, hwmMb } = this.#memory.sample();
    const peak = Math.max(rssMb, hwmMb);
    if (peak > this.#peakMb) {
      this.#peakMb = peak;
      this.#opts.onMemoryPeak(peak);
    }
    if (rssMb > this.#opts.memoryMb) {
      this.kill(
        'memory',
        `worker used ${Math.round(rssMb)} MB, over its ${this.#opts.memoryMb} MB limit; raise memoryMb for this plugin or reduce its input`,
      );
    }
  }
}
