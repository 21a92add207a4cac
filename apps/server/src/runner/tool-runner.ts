import type { ValidateFunction } from 'ajv';
import { BastionError } from '../errors/bastion-error.js';
import { toCoded, type CallPlace } from '../errors/coded.js';
import { ServerLifecycle } from '../lifecycle/server-lifecycle.js';
import type { PluginManager } from '../plugins/manager.js';
import type { CallOutcome, Registry } from '../plugins/registry.js';
import type { CancelSignal } from '../sandbox/cancel.js';
import type { CallTrace } from '../tracing/call-trace.js';
import type { Tracing } from '../tracing/tracing.js';
import { prepareArgs, type ArgsCheck } from './args.js';
import type { LoadedTool } from '../plugins/loaded-tool.js';
import { describeErrors } from '../schemas/schema-errors.js';

/** A tool an argument check can be made against: a loaded one, or (cluster) one compiled from another node's schema. */
export interface CallTarget extends ArgsCheck {
  readonly name: string;
}

/** A call ready to run: its plugin, its tool and arguments checked against the tool's schema (binaries decoded). */
export interface PreparedCall {
  readonly plugin: string;
  readonly tool: CallTarget;
  readonly args: Record<string, unknown>;
}

export interface RunOptions {
  /** Direct calls run under `timeoutMs`, jobs under `jobTimeoutMs`. */
  mode: 'direct' | 'job';
  signal?: CancelSignal | undefined;
  onProgress?: ((pct: number, stage: string | null) => void) | undefined;
  /** A partial result as the worker serialised it (JSON text, checked to be JSON). */
  onPartial?: ((resultJson: string) => void) | undefined;
}

export interface CallResult {
  /**
   * The result exactly as the worker serialised it: what every surface sends or stores, as text (REST and the
   * stream splice it into their reply, the job stores keep it), never serialised again.
   */
  resultJson: string;
  /** The same result as a value, from the one parse that checks it (for MCP's structuredContent and images). */
  result: unknown;
  executionTimeMs: number;
}

const CANCEL_GRACE_MS = 2000;

/**
 * The one call path of every surface (REST, MCP, stream, standalone and cluster jobs): {@link prepare} finds the
 * tool and checks the arguments, {@link run} runs the call in the plugin's sandbox, checks the result and records
 * the outcome. Every error either throws names the plugin and tool it is about.
 */
export class ToolRunner {
  constructor(
    private readonly registry: Registry,
    private readonly manager: PluginManager,
    private readonly lifecycle: ServerLifecycle = new ServerLifecycle(),
    /** OpenTelemetry tracing, or null when off (the default): then a call makes no span and sends no context. */
    private readonly tracing: Tracing | null = null,
  ) {}

  /**
   * The tool a call can start on. Throws SHUTTING_DOWN / PLUGIN_NOT_FOUND / PLUGIN_UNAVAILABLE / PLUGIN_FAILED /
   * TOOL_NOT_FOUND when it cannot. Surfaces that need the tool before they have the arguments (REST reads the body
   * after this, the stream checks its query) call it and hand the tool to {@link prepare}.
   */
  resolve(plugin: string, tool: string): LoadedTool {
    this.lifecycle.assertAccepting();
    // Hot path: a ready plugin and a known tool need only the state and the tool index, not a health snapshot.
    const state = this.registry.state(plugin);
    if (state === 'INITIALIZED' || state === 'RUNNING') {
      const info = this.registry.tool(plugin, tool);
      if (info) return info;
    }
    return this.#refuse(plugin, tool);
  }

  /**
   * Resolves the tool (unless given one) and checks the arguments against its input schema: JSON values, base64
   * or data: URLs for binary properties, or bytes (uploads). Throws the refusal or INVALID_INPUT, naming plugin and
   * tool.
   */
  prepare(plugin: string, tool: string | CallTarget, rawArgs: unknown): PreparedCall {
    const target = typeof tool === 'string' ? this.resolve(plugin, tool) : tool;
    return { plugin, tool: target, args: prepareArgs(target, rawArgs, { plugin, tool: target.name }) };
  }

  /**
   * Runs a prepared call. A call prepared before an await (a body read) whose plugin reloaded or stopped meanwhile
   * is prepared again against the tool as it is now (or refused, as {@link resolve} would).
   */
  run(call: PreparedCall, opts: RunOptions): Promise<CallResult> {
    // Not async: with tracing off a call goes straight to #run, without one more promise to settle.
    return this.tracing ? this.#traced(call, opts, this.tracing) : this.#run(call, opts, null);
  }

  async #traced(call: PreparedCall, opts: RunOptions, tracing: Tracing): Promise<CallResult> {
    const trace = tracing.startCall(call.plugin, call.tool.name, opts.mode);
    try {
      const result = await this.#run(call, opts, trace);
      trace.end('ok', result.resultJson.length);
      return result;
    } catch (err) {
      trace.end(toCoded(err).code);
      throw err;
    }
  }

  async #run(prepared: PreparedCall, opts: RunOptions, trace: CallTrace | null): Promise<CallResult> {
    const { plugin } = prepared;
    const name = prepared.tool.name;
    const place: CallPlace = { plugin, tool: name };
    const tool = this.#current(prepared);
    const args = tool === prepared.tool ? prepared.args : this.prepare(plugin, tool, prepared.args).args;
    const pool = this.manager.pool(plugin);
    if (!pool) throw new BastionError('PLUGIN_UNAVAILABLE', `plugin '${plugin}' is not running`, place);
    const limits = this.registry.limits(plugin);
    let started = 0;
    trace?.queued(args);
    try {
      const json = await pool.run(name, args, {
        timeoutMs: opts.mode === 'job' ? limits.jobTimeoutMs : limits.timeoutMs,
        signal: opts.signal,
        cancelGraceMs: CANCEL_GRACE_MS,
        onStart: () => {
          started = performance.now();
          trace?.started();
          this.registry.callStarted(plugin);
        },
        onProgress: opts.onProgress,
        onPartial: opts.onPartial
          ? (text) => {
              parseResult(text); // plugin output: JSON before anyone forwards it
              opts.onPartial?.(text);
            }
          : undefined,
        traceparent: trace?.traceparent,
        onTimings: trace ? (start, end) => trace.worker(start, end) : undefined,
      });
      trace?.checking();
      // Parsed once: the text comes from plugin code, so the host checks it is JSON before anyone forwards it (its
      // size and nesting were bounded when its frame was read; its outputSchema was checked in the worker).
      const result = parseResult(json);
      if (tool.validateOutput) checkOutput(tool.validateOutput, result);
      const ms = this.#finish(plugin, name, started, 'ok');
      return { result, resultJson: json, executionTimeMs: ms };
    } catch (err) {
      const e = toCoded(err, place);
      // Only calls that reached a worker count; a cancellation is the caller's choice, not the plugin's error
      // (the registry also keeps SHUTTING_DOWN and a plugin's INVALID_INPUT off the failure counters).
      if (started) this.#finish(plugin, name, started, e.code === 'CANCELLED' ? 'cancelled' : e.code, e.message);
      throw e;
    }
  }

  /** The loaded tool a prepared call runs on now; throws what {@link resolve} would when it cannot start. */
  #current(prepared: PreparedCall): LoadedTool {
    this.lifecycle.assertAccepting();
    const state = this.registry.state(prepared.plugin);
    const tool = this.registry.tool(prepared.plugin, prepared.tool.name);
    if (tool && (state === 'INITIALIZED' || state === 'RUNNING')) return tool;
    return this.#refuse(prepared.plugin, prepared.tool.name);
  }

  /** Why a call cannot start (or, if the plugin became ready meanwhile, its tool): the cold path of resolve. */
  #refuse(plugin: string, tool: string): LoadedTool {
    const health = this.registry.health(plugin);
    if (!health) throw new BastionError('PLUGIN_NOT_FOUND', `no plugin named '${plugin}'`, { plugin });
    if (health.state === 'FAILED' || health.state === 'UNAVAILABLE') {
      const code = health.state === 'FAILED' ? 'PLUGIN_FAILED' : 'PLUGIN_UNAVAILABLE';
      throw new BastionError(code, `plugin '${plugin}' is ${health.state}: ${health.reason ?? 'no reason recorded'}`, {
        plugin,
        tool,
        details: { state: health.state, reason: health.reason, reason_code: health.reason_code },
      });
    }
    const info = this.registry.tool(plugin, tool);
    if (!info) {
      const known = this.registry.tools(plugin).map((t) => t.name);
      const msg =
        health.state === 'LOADED'
          ? `plugin '${plugin}' is still loading; try again shortly`
          : `plugin '${plugin}' has no tool '${tool}'; tools: ${known.join(', ') || 'none'}`;
      throw new BastionError(health.state === 'LOADED' ? 'PLUGIN_UNAVAILABLE' : 'TOOL_NOT_FOUND', msg, {
        plugin,
        tool,
      });
    }
    return info;
  }

  #finish(plugin: string, tool: string, started: number, outcome: CallOutcome, message?: string): number {
    const ms = Math.round((performance.now() - started) * 100) / 100;
    this.registry.callFinished(plugin, tool, outcome, ms, message);
    return ms;
  }
}

/** A result against its tool's outputSchema, for runtimes whose workers do not check it (loaded-tool.ts). */
function checkOutput(validate: ValidateFunction, result: unknown): void {
  if (validate(result)) return;
  const details = describeErrors(validate.errors).slice(0, 20);
  const first = details[0];
  throw new BastionError(
    'INVALID_OUTPUT',
    `result does not match the tool's outputSchema${first ? `: ${first.path} ${first.message}` : ''}`,
    { details },
  );
}

/** A result's JSON text as a value; text that is not JSON is the plugin's INVALID_OUTPUT, not a host failure. */
function parseResult(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    throw new BastionError(
      'INVALID_OUTPUT',
      `result is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
