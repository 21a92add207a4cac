import { EventEmitter } from 'node:events';
import {
  AVAILABLE_STATES,
  type ErrorCode,
  type HealthRecord,
  type Limits,
  type MemoryEnforcement,
  type PluginState,
} from '@bastion/protocol';
import type { LoadedTool } from './loaded-tool.js';
import { canTransition, type TransitionCause } from './plugin-states.js';
import type { Manifest } from './manifest.js';

const WINDOW = 100;

/** A state change, as pushed to realtime clients (`plugin_status`). */
export interface StateEvent {
  name: string;
  state: PluginState;
  reason: string | null;
  reason_code: string | null;
}

/** The outcome of one call that reached a worker. */
export type CallOutcome = 'ok' | 'cancelled' | ErrorCode;

export interface CallEvent {
  plugin: string;
  tool: string;
  outcome: CallOutcome;
  durationMs: number;
}

export interface RegistryEvents {
  state: [StateEvent];
  call: [CallEvent];
}

/** The registry's private, mutable view of one plugin. Only the registry writes it. */
interface Entry {
  name: string;
  folder: string;
  manifest: Manifest | null;
  limits: Limits;
  isolation: 'namespace' | 'process';
  memoryEnforcement: MemoryEnforcement;
  /** null only between register() and the first transition, which happen in the same tick. */
  state: PluginState | null;
  reason: string | null;
  reasonCode: string | null;
  tools: readonly LoadedTool[];
  /** The same tools by name, replaced with them. */
  toolIndex: ReadonlyMap<string, LoadedTool>;
  loadedAt: number | null;
  lastUsed: number | null;
  success: number;
  errors: number;
  timeouts: number;
  crashes: number;
  /** Calls the plugin refused with an InputError: the caller's mistake, not a failure. */
  inputErrors: number;
  inFlight: number;
  queueDepth: number;
  lastMs: number | null;
  durations: number[];
  memoryPeakMb: number | null;
  lastError: { code: string; message: string; at: string } | null;
}

export interface RegisterInput {
  name: string;
  folder: string;
  manifest: Manifest | null;
  limits: Limits;
  isolation: 'namespace' | 'process';
  memoryEnforcement: MemoryEnforcement;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A health record's `uptime_seconds` for a plugin loaded at `loadedAt` (epoch ms), at `now`. */
export const uptimeSeconds = (loadedAt: number, now: number): number =>
  Math.max(0, Math.round((now - loadedAt) / 100) / 10);

/**
 * The plugin registry. It lives only in the host, and every write happens synchronously on the host's event
 * loop — a single writer — after being checked against the transition table. Readers only ever receive frozen
 * snapshots ({@link health}), so no reader can observe a half-applied change; this is how the original spec's
 * reader/writer-lock requirement is met without locks.
 */
export class Registry extends EventEmitter<RegistryEvents> {
  readonly #entries = new Map<string, Entry>();
  /** Bumped by every write: readers that cache what they derive from snapshots compare it. */
  #version = 0;
  /** Bumped only when the set of callable tools may have changed (a plugin's tools, availability or manifest). */
  #toolsVersion = 0;

  constructor(private readonly log: (msg: string) => void = () => {}) {
    super();
  }

  /** Changes whenever anything a health record shows (other than the clock's uptime) may have changed. */
  get version(): number {
    return this.#version;
  }

  /**
   * Changes whenever the tools a client may call could have changed: a plugin (re)registered, its tools replaced,
   * or it became available or unavailable. Not on calls, unlike {@link version}: catalogs built from the tools (MCP)
   * are cached against it.
   */
  get toolsVersion(): number {
    return this.#toolsVersion;
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** Adds (or, on restart, refreshes the static facts of) a plugin. Counters survive a restart. */
  register(input: RegisterInput): void {
    this.#version++;
    this.#toolsVersion++;
    const existing = this.#entries.get(input.name);
    if (existing) {
      existing.folder = input.folder;
      existing.manifest = input.manifest;
      existing.limits = input.limits;
      existing.isolation = input.isolation;
      existing.memoryEnforcement = input.memoryEnforcement;
      return;
    }
    this.#entries.set(input.name, {
      ...input,
      state: null,
      reason: null,
      reasonCode: null,
      tools: [],
      toolIndex: new Map(),
      loadedAt: null,
      lastUsed: null,
      success: 0,
      errors: 0,
      timeouts: 0,
      crashes: 0,
      inputErrors: 0,
      inFlight: 0,
      queueDepth: 0,
      lastMs: null,
      durations: [],
      memoryPeakMb: null,
      lastError: null,
    });
  }

  #entry(name: string): Entry {
    const e = this.#entries.get(name);
    if (!e) throw new Error(`registry: unknown plugin '${name}'`);
    return e;
  }

  state(name: string): PluginState | null {
    return this.#entries.get(name)?.state ?? null;
  }

  isAvailable(name: string): boolean {
    const s = this.state(name);
    return s !== null && AVAILABLE_STATES.includes(s);
  }

  limits(name: string): Limits {
    return this.#entry(name).limits;
  }

  manifest(name: string): Manifest | null {
    return this.#entries.get(name)?.manifest ?? null;
  }

  folder(name: string): string {
    return this.#entry(name).folder;
  }

  tools(name: string): readonly LoadedTool[] {
    return this.#entries.get(name)?.tools ?? [];
  }

  /** One tool of a plugin by name, whatever the plugin's state. */
  tool(name: string, tool: string): LoadedTool | undefined {
    return this.#entries.get(name)?.toolIndex.get(tool);
  }

  /**
   * Moves a plugin to a new state if the table allows it; an illegal move is refused, logged, and returns false.
   */
  transition(
    name: string,
    to: PluginState,
    opts: { reason?: string | null; code?: string | null; cause?: TransitionCause } = {},
  ): boolean {
    const e = this.#entry(name);
    this.#version++;
    const from = e.state;
    if (!canTransition(from, to, opts.cause ?? 'normal')) {
      this.log(`refused illegal transition of plugin '${name}': ${from ?? '—'} → ${to}`);
      return false;
    }
    if (from === null || AVAILABLE_STATES.includes(from) !== AVAILABLE_STATES.includes(to)) this.#toolsVersion++;
    e.state = to;
    if (to === 'INITIALIZED' && from === 'LOADED') e.loadedAt = Date.now();
    if (to === 'LOADED' || to === 'FAILED' || to === 'UNAVAILABLE') e.loadedAt = null;
    // Available states carry no reason; the others say why.
    const available = to === 'LOADED' || to === 'INITIALIZED' || to === 'RUNNING';
    e.reason = available ? null : (opts.reason ?? null);
    e.reasonCode = available ? null : (opts.code ?? null);
    this.emit('state', { name, state: to, reason: e.reason, reason_code: e.reasonCode });
    return true;
  }

  setTools(name: string, tools: readonly LoadedTool[]): void {
    this.#version++;
    this.#toolsVersion++;
    const e = this.#entry(name);
    e.tools = tools;
    e.toolIndex = new Map(tools.map((t) => [t.name, t]));
  }

  /** A call was handed to a worker: RUNNING while any call is in flight. */
  callStarted(name: string): void {
    this.#version++;
    const e = this.#entry(name);
    e.inFlight++;
    e.lastUsed = Date.now();
    if (e.state === 'INITIALIZED') this.transition(name, 'RUNNING');
  }

  /** A call that reached a worker ended; back to INITIALIZED once nothing is in flight. */
  callFinished(name: string, tool: string, outcome: CallOutcome, durationMs: number, message?: string): void {
    this.#version++;
    const e = this.#entry(name);
    e.inFlight = Math.max(0, e.inFlight - 1);
    e.lastUsed = Date.now();
    // Host-caused ends (a cancellation, a call cut by shutdown or restart) are nobody's measurement or failure.
    const hostCaused = outcome === 'cancelled' || outcome === 'SHUTTING_DOWN' || outcome === 'PLUGIN_UNAVAILABLE';
    if (!hostCaused) {
      e.lastMs = durationMs;
      e.durations.push(durationMs);
      if (e.durations.length > WINDOW) e.durations.shift();
    }
    if (outcome === 'ok') e.success++;
    else if (outcome === 'INVALID_INPUT') e.inputErrors++;
    else if (!hostCaused) {
      e.errors++;
      e.lastError = { code: outcome, message: message ?? outcome, at: new Date().toISOString() };
    }
    if (e.inFlight === 0 && e.state === 'RUNNING') this.transition(name, 'INITIALIZED');
    this.emit('call', { plugin: name, tool, outcome, durationMs });
  }

  /** A worker died (crash or memory kill) or was killed for a timeout: counted once per death. */
  workerLost(name: string, code: ErrorCode, message: string): void {
    this.#version++;
    const e = this.#entry(name);
    if (code === 'PLUGIN_TIMEOUT') e.timeouts++;
    else e.crashes++;
    e.lastError = { code, message, at: new Date().toISOString() };
  }

  setQueueDepth(name: string, depth: number): void {
    this.#version++;
    const e = this.#entries.get(name);
    if (e) e.queueDepth = depth;
  }

  recordMemoryPeak(name: string, mb: number): void {
    this.#version++;
    const e = this.#entries.get(name);
    if (e && (e.memoryPeakMb === null || mb > e.memoryPeakMb)) e.memoryPeakMb = Math.round(mb * 10) / 10;
  }

  /** An immutable snapshot of one plugin's health record, or null if unknown. */
  health(name: string, now = Date.now()): HealthRecord | null {
    const e = this.#entries.get(name);
    if (!e) return null;
    const sorted = [...e.durations].sort((a, b) => a - b);
    const avg = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
    const p95 = sorted.length
      ? (sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? null)
      : null;
    const req = e.manifest?.requires;
    return Object.freeze({
      name: e.name,
      version: e.manifest?.version ?? null,
      description: e.manifest?.description ?? null,
      state: e.state ?? 'LOADED',
      reason: e.reason,
      reason_code: e.reasonCode,
      tools: e.tools.map((t) => t.name),
      uptime_seconds: e.loadedAt === null ? null : uptimeSeconds(e.loadedAt, now),
      loaded_at: iso(e.loadedAt),
      last_used: iso(e.lastUsed),
      success_count: e.success,
      error_count: e.errors,
      timeout_count: e.timeouts,
      crash_count: e.crashes,
      input_error_count: e.inputErrors,
      in_flight: e.inFlight,
      queue_depth: e.queueDepth,
      last_execution_time_ms: e.lastMs,
      avg_execution_time_ms: avg === null ? null : Math.round(avg * 100) / 100,
      p95_execution_time_ms: p95,
      memory_peak_mb: e.memoryPeakMb,
      last_error: e.lastError ? { ...e.lastError } : null,
      requires: {
        gpu: req?.gpu ?? false,
        packages: [...(req?.packages ?? [])],
        binaries: [...(req?.binaries ?? [])],
        models: (req?.models ?? []).map((m) => (m.package ? `${m.package}/${m.path}` : m.path)),
      },
      isolation: e.isolation,
      memory_enforcement: e.memoryEnforcement,
    });
  }

  list(now = Date.now()): HealthRecord[] {
    return this.names().map((n) => this.health(n, now) as HealthRecord);
  }
}
