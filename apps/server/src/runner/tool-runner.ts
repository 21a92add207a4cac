import { BastionError } from '../errors/bastion-error.js';
import { ServerLifecycle } from '../lifecycle/server-lifecycle.js';
import type { PluginManager } from '../plugins/manager.js';
import type { CallOutcome, Registry } from '../plugins/registry.js';
import type { CancelSignal } from '../sandbox/cancel.js';
import type { CallTrace } from '../tracing/call-trace.js';
import type { Tracing } from '../tracing/tracing.js';
import { prepareArgs } from './args.js';
import type { ValidateFunction } from 'ajv';
import type { LoadedTool } from '../plugins/loaded-tool.js';
import { describeErrors } from '../schemas/schema-errors.js';

export interface RunRequest {
  plugin: string;
  tool: string;
  args: unknown;
  /** Direct calls run under `timeoutMs`, jobs under `jobTimeoutMs`. */
  mode: 'direct' | 'job';
  signal?: CancelSignal | undefined;
  onProgress?: ((pct: number, stage: string | null) => void) | undefined;
  onPartial?: ((result: unknown) => void) | undefined;
}

export interface RunResult {
  result: unknown;
  /**
   * The result exactly as the worker serialised it (JSON text, checked by the worker's encoder and parsed once by
   * the host), for surfaces that forward it: they send this text instead of serialising `result` again.
   */
  resultJson: string;
  executionTimeMs: number;
}

/** Tool lookup by name, built once per tools array (the registry replaces the array on every (re)load). */
const toolIndexes = new WeakMap<readonly LoadedTool[], Map<string, LoadedTool>>();
function toolIndex(tools: readonly LoadedTool[]): Map<string, LoadedTool> {
  let index = toolIndexes.get(tools);
  if (!index) {
    index = new Map(tools.map((t) => [t.name, t]));
    toolIndexes.set(tools, index);
  }
  return index;
}

const CANCEL_GRACE_MS = 2000;

/**
 * The one execution path of every surface (REST, jobs, stream, MCP): checks the plugin and tool, validates the
 * arguments, runs the call in the plugin's sandbox, checks the output, and records the outcome.
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
   * Throws SHUTTING_DOWN / PLUGIN_NOT_FOUND / PLUGIN_UNAVAILABLE / PLUGIN_FAILED / TOOL_NOT_FOUND when the call
   * cannot start.
   */
  resolveTool(plugin: string, tool: string): LoadedTool {
    this.lifecycle.assertAccepting();
    // Hot path: a ready plugin and a known tool need only the state and the tool index, not a health snapshot.
    const state = this.registry.state(plugin);
    if (state === 'INITIALIZED' || state === 'RUNNING') {
      const info = toolIndex(this.registry.tools(plugin)).get(tool);
      if (info) return info;
    }
    return this.#refuse(plugin, tool);
  }

  /** Why a call cannot start (or, if the plugin became ready meanwhile, its tool): the cold path of resolveTool. */
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
    const info = this.registry.tools(plugin).find((t) => t.name === tool);
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

  run(req: RunRequest): Promise<RunResult> {
    // Not async: with tracing off a call goes straight to #run, without one more promise to settle.
    return this.tracing ? this.#traced(req, this.tracing) : this.#run(req, null);
  }

  async #traced(req: RunRequest, tracing: Tracing): Promise<RunResult> {
    const trace = tracing.startCall(req.plugin, req.tool, req.mode);
    try {
      const result = await this.#run(req, trace);
      trace.end('ok', result.resultJson.length);
      return result;
    } catch (err) {
      trace.end(err instanceof BastionError ? err.code : 'INTERNAL_ERROR');
      throw err;
    }
  }

  async #run(req: RunRequest, trace: CallTrace | null): Promise<RunResult> {
    const { plugin, tool } = req;
    const info = this.resolveTool(plugin, tool);
    let args: Record<string, unknown>;
    try {
      args = prepareArgs(info, req.args);
    } catch (err) {
      if (err instanceof BastionError) throw new BastionError(err.code, err.message, { ...err.extra, plugin, tool });
      throw err;
    }
    const pool = this.manager.pool(plugin);
    if (!pool) throw new BastionError('PLUGIN_UNAVAILABLE', `plugin '${plugin}' is not running`, { plugin, tool });
    const limits = this.registry.limits(plugin);
    let started = 0;
    trace?.queued(args);
    try {
      const json = await pool.run(tool, args, {
        timeoutMs: req.mode === 'job' ? limits.jobTimeoutMs : limits.timeoutMs,
        signal: req.signal,
        cancelGraceMs: CANCEL_GRACE_MS,
        onStart: () => {
          started = performance.now();
          trace?.started();
          this.registry.callStarted(plugin);
        },
        onProgress: req.onProgress,
        onPartial: req.onPartial ? (j) => req.onPartial?.(JSON.parse(j)) : undefined,
        traceparent: trace?.traceparent,
        onTimings: trace ? (start, end) => trace.worker(start, end) : undefined,
      });
      trace?.checking();
      // Parsed once: the text comes from plugin code, so the host checks it is JSON before anyone forwards it (its
      // size and nesting were bounded when its frame was read; its outputSchema was checked in the worker).
      const result = parseResult(json);
      if (info.validateOutput) checkOutput(info.validateOutput, result);
      const ms = this.#finish(plugin, tool, started, 'ok');
      return { result, resultJson: json, executionTimeMs: ms };
    } catch (err) {
      const e =
        err instanceof BastionError
          ? new BastionError(err.code, err.message, { ...err.extra, plugin, tool })
          : new BastionError('INTERNAL_ERROR', `the host failed while running the call: ${String(err)}`, {
              plugin,
              tool,
            });
      // Only calls that reached a worker count; a cancellation is the caller's choice, not the plugin's error
      // (the registry also keeps SHUTTING_DOWN and a plugin's INVALID_INPUT off the failure counters).
      if (started) this.#finish(plugin, tool, started, e.code === 'CANCELLED' ? 'cancelled' : e.code, e.message);
      throw e;
    }
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
