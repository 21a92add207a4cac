import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { MAX_RESULT_DEPTH } from '@bastion/protocol';
import { BastionError } from '../errors/bastion-error.js';
import { clipMessage, WorkerCalls, type CallOptions } from './worker-calls.js';
import { classifyDeath, type KillReason, type WorkerDeath } from './death.js';
import { MessageGate } from './message-gate.js';
import type { SpawnSpec } from './isolation.js';
import { LoadFailure } from './load-failure.js';
import { LogRelay, type LogSink } from './log-relay.js';
import type { MemoryWatchdog } from './memory-watchdog.js';
import type { HostToWorker, LoadMessage, WorkerToolInfo } from './messages.js';
import { Channel } from './wire/channel.js';
import type { WorkerGuard } from './worker-guard.js';
import { parseWorkerMessage } from './worker-message.js';

/** Room in a frame for what is not the result's text (the header). */
const FRAME_OVERHEAD_BYTES = 1024 * 1024;
/** Longest header a worker may send: the `ready` message with every tool's schemas is the largest. */
const MAX_HEADER_BYTES = 1024 * 1024;
/** How long a closed channel or a dead worker's output gets before the host lets go of it. */
const CLOSE_GRACE_MS = 100;

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

export interface WorkerOptions {
  pluginId: string;
  spawn: SpawnSpec;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Enforces memoryMb and maxProcesses (its cgroup or the watchdog) and kills the worker's whole tree. */
  guard: WorkerGuard;
  loadTimeoutMs: number;
  load: LoadMessage;
  log: LogSink;
  onMemoryPeak: (mb: number) => void;
  /** Called once when the worker is gone, whatever the cause. */
  onDeath: (death: WorkerDeath, worker: WorkerProcess) => void;
}

/**
 * One sandboxed worker process, host side: spawns it, drives the load handshake, hands it calls, and kills its
 * process group when anything goes wrong. The calls and their timeouts (worker-calls.ts), message checks
 * (worker-message.ts, message-gate.ts), the wire format (wire/), death classification (death.ts) and the memory watchdog
 * (memory-watchdog.ts) live apart.
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
  readonly #calls: WorkerCalls;
  #load: { resolve: (tools: WorkerToolInfo[]) => void; reject: (err: LoadFailure) => void } | null = null;
  #disposed: (() => void) | null = null;
  readonly #gate = new MessageGate(performance.now());
  readonly startedAt = Date.now();

  constructor(opts: WorkerOptions) {
    this.#opts = opts;
    this.#relay = new LogRelay(`[plugin ${opts.pluginId}]`, opts.log);
    this.#calls = new WorkerCalls({
      send: (msg) => {
        if (!this.#dead) this.#channel.sendBatched(msg);
      },
      kill: (reason, detail) => this.kill(reason, detail),
      onBusyChange: () => this.#watchdog?.reschedule(),
      // Through the relay: what a worker makes the host log is rate-limited like its output.
      log: (line) => this.#relay.line(line),
    });
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
      ? opts.guard.watch(pid, {
          busy: () => this.#calls.size > 0 || this.#load !== null,
          onPeak: opts.onMemoryPeak,
          onBreach: (reason, message) => this.kill(reason, message),
        })
      : null;
    this.#channel = new Channel(this.#child.stdio[3] as Duplex, {
      maxFrameBytes: opts.load.maxResultBytes + FRAME_OVERHEAD_BYTES,
      limits: {
        maxHeaderBytes: MAX_HEADER_BYTES,
        maxHeaderDepth: MAX_RESULT_DEPTH,
        maxTextBytes: opts.load.maxResultBytes,
        maxTextDepth: MAX_RESULT_DEPTH,
      },
      onMessage: (msg) => this.#onMessage(msg),
      onViolation: (why, cause) => {
        if (cause !== undefined)
          opts.log(`[plugin ${opts.pluginId}] handling a worker message threw: ${stackOf(cause)}`);
        this.kill('crash', `worker broke the IPC protocol (${why})`);
      },
      onClose: () => this.#onChannelClosed(),
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
    return this.#calls.size > 0;
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

  /** Calls handed to this worker that it has not started. */
  get waiting(): number {
    return this.#calls.waiting;
  }

  /** Whether this busy worker may take one more call to start when its current one ends (see WorkerCalls). */
  canTakeAnother(now: number): boolean {
    return this.alive && this.#calls.canTakeAnother(now);
  }

  /**
   * Runs one tool call (after the ones this worker already holds); resolves with the result as JSON text or rejects
   * with a coded BastionError, or with NotStarted if the worker went away before starting it.
   */
  call(tool: string, args: Record<string, unknown>, opts: CallOptions): Promise<string> {
    if (this.#dead) return Promise.reject(new BastionError(this.#dead.code, this.#dead.message));
    return this.#calls.add(tool, args, opts);
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
    this.#gate.disposeSent();
    this.#send({ type: 'dispose' });
    const timer = setTimeout(() => this.kill('disposed', 'dispose() took too long'), graceMs);
    await done;
    clearTimeout(timer);
  }

  #killGroup(): void {
    // Processes that left the group (setsid) too: every pid of its cgroup, or of the tree the watchdog saw.
    this.#opts.guard.killAll();
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

  /**
   * Every message from the worker: its shape checked against the protocol schema, then its place in the protocol
   * and its rate (MessageGate), before anything acts on it. A message that fails either ends the worker.
   */
  #onMessage(raw: Record<string, unknown>): void {
    if (this.#dead) return;
    const parsed = parseWorkerMessage(raw);
    if (!parsed.ok) {
      this.kill('crash', `worker sent a message outside the protocol (${parsed.problem})`);
      return;
    }
    const msg = parsed.msg;
    const verdict = this.#gate.admit(msg, performance.now());
    if (verdict === 'drop') return;
    if (verdict !== 'accept') {
      this.kill('crash', `worker broke the IPC protocol (${verdict.breach})`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.#load?.resolve(msg.tools);
        this.#load = null;
        this.#watchdog?.reschedule();
        return;
      case 'load_error':
        this.#load?.reject(new LoadFailure(msg.code, clipMessage(msg.message)));
        this.#load = null;
        if (msg.stack) this.#relay.line(clipMessage(msg.stack));
        return;
      case 'log':
        this.#relay.line(msg.line);
        return;
      case 'disposed':
        if (this.#disposed) this.#killReason ??= 'disposed';
        return;
      case 'progress':
        this.#calls.progress(msg);
        return;
      case 'partial':
        this.#calls.partial(msg);
        return;
      case 'result':
      case 'error':
        if (!this.#calls.answer(msg))
          this.kill('crash', `worker broke the IPC protocol (answered call ${msg.id}, which it was not running)`);
        return;
    }
  }

  /**
   * The worker closed its end of fd 3. A worker that exits closes it too; give its exit a moment to arrive (it says
   * why it died), then end a worker that lives on without its channel: no call it holds could ever be answered.
   */
  #onChannelClosed(): void {
    if (this.#dead) return;
    setTimeout(() => {
      if (!this.#dead) this.kill('crash', 'worker closed its connection to the host (fd 3)');
    }, CLOSE_GRACE_MS).unref();
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
      kernelOomKill: this.#killReason ? null : this.#opts.guard.kernelMemoryKill(),
      stderrTail: this.#relay.tail,
    });
    this.#dead = death;
    this.#watchdog?.stop();
    // Make sure nothing the plugin spawned outlives it, and nothing a survivor writes reaches the host: the channel
    // goes now; output already written gets a moment to drain into the log (it often says why the worker died).
    this.#killGroup();
    (this.#child.stdio[3] as Duplex | null)?.destroy();
    setTimeout(() => this.#relay.close([this.#child.stdout, this.#child.stderr]), CLOSE_GRACE_MS).unref();
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
    this.#calls.fail(death);
    this.#disposed?.();
    this.#opts.onDeath(death, this);
  }
}
