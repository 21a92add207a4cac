/**
 * Worker entry: the only module that imports plugin code. It runs in its own (sandboxed) process, one call at a
 * time, and talks to the host exclusively through the messages in ../messages.ts. Plugin values are never
 * trusted to be well-behaved: everything handed back goes through ./encode.ts, which cannot throw.
 */
import { pathToFileURL } from 'node:url';
import type { CallErrorCode, HostToWorker, LoadMessage, WorkerToHost, WorkerToolInfo } from '../messages.js';
import { MAX_DETAILS_DEPTH, RUNTIME_RATES } from '@bastion/protocol/worker-limits';
import { nestsDeeperThan } from '../../encoding/json-depth.js';
import { clipText, describeThrown, encodeResult, isInputError } from './encode.js';
import { connectToHost } from './host-link.js';
import { importErrorMessage } from './import-error.js';
import { OutputChecks } from './output-checks.js';
import { WorkerRates } from './rates.js';

/** What the worker relies on in a plugin's default export (checked at load; the SDK types describe it). */
interface ToolDef {
  description?: unknown;
  inputSchema: object;
  outputSchema?: unknown;
  handler: (args: Record<string, unknown>, ctx: object) => unknown;
}
interface PluginDef {
  tools: Record<string, ToolDef>;
  init?: (ctx: object) => unknown;
  validate?: (ctx: object) => unknown;
  dispose?: (ctx: object) => unknown;
}

interface LoadContext {
  log: (...args: unknown[]) => void;
  pluginDir: string;
  config: Readonly<Record<string, unknown>>;
  /** What init() returned, handed to validate(), every handler and dispose(). */
  state: unknown;
}

const host = connectToHost(onHostMessage);
const send = (msg: WorkerToHost): void => host.send(msg);

let plugin: PluginDef | null = null;
let loadCtx: LoadContext | null = null;
const rates = new WorkerRates();
let outputChecks: OutputChecks | null = null;
let maxResultBytes = 16 * 1024 * 1024;
/**
 * The call in flight. Its AbortController is made only when the handler reads `ctx.signal` (most never do, and
 * one per call was the worker's largest cost for a trivial call); a cancel before that leaves `cancelled` set.
 */
let current: { id: number; controller: AbortController | null; cancelled: boolean; startedAt: number } | null = null;

/** Epoch ms with fractions: host and worker share the machine's clock, so the host can place the worker's span. */
const epochNow = (): number => performance.timeOrigin + performance.now();

function signalOf(call: { controller: AbortController | null; cancelled: boolean }): AbortSignal {
  if (!call.controller) {
    call.controller = new AbortController();
    if (call.cancelled) call.controller.abort(new Error('cancelled'));
  }
  return call.controller.signal;
}

type CallMessage = Extract<HostToWorker, { type: 'call' }>;
/** Calls the host handed over while one was running (it does so only while calls are short); run in order. */
const queued: CallMessage[] = [];

const startNext = (): void => {
  const next = queued.shift();
  if (next) void call(next);
};

/**
 * Sends the answer of the call in flight and moves on. Answers sent in one turn of the event loop leave in one write;
 * the next call starts after that write, so a long synchronous handler never holds back the answer before it.
 */
function answer(msg: Extract<WorkerToHost, { type: 'result' | 'error' }>): void {
  // A traced call (it came with a traceparent) reports when it ran, for the host to build the worker's span.
  if (current && current.startedAt >= 0) {
    msg.startedAt = current.startedAt;
    msg.finishedAt = epochNow();
  }
  host.sendBatched(msg);
  current = null;
  if (queued.length > 0) setImmediate(startNext);
}

function cancel(id: number): void {
  if (current?.id === id) {
    current.cancelled = true;
    current.controller?.abort(new Error('cancelled'));
    return;
  }
  const i = queued.findIndex((m) => m.id === id);
  if (i < 0) return;
  queued.splice(i, 1);
  host.sendBatched({ type: 'error', id, code: 'TOOL_ERROR', message: 'cancelled before it started' });
}

const MAX_DETAILS_BYTES = 64 * 1024;

function formatLog(args: unknown[]): string {
  return clipText(args.map((a) => (typeof a === 'string' ? a : describeThrown(a).message)).join(' '));
}

function isPluginDefinition(value: unknown): value is PluginDef {
  try {
    if (typeof value !== 'object' || value === null) return false;
    const tools = (value as { tools?: unknown }).tools;
    if (typeof tools !== 'object' || tools === null) return false;
    return Object.values(tools).every(
      (t) =>
        typeof t === 'object' &&
        t !== null &&
        typeof (t as { handler?: unknown }).handler === 'function' &&
        typeof (t as { inputSchema?: unknown }).inputSchema === 'object',
    );
  } catch {
    return false;
  }
}

function toolInfos(def: PluginDef): WorkerToolInfo[] {
  return Object.entries(def.tools).map(([name, t]) => ({
    name,
    description: typeof t.description === 'string' ? t.description : '',
    // Round-trip through JSON so only plain data crosses to the host.
    inputSchema: JSON.parse(JSON.stringify(t.inputSchema)) as Record<string, unknown>,
    outputSchema: t.outputSchema ? (JSON.parse(JSON.stringify(t.outputSchema)) as Record<string, unknown>) : null,
  }));
}

async function load(msg: LoadMessage): Promise<void> {
  maxResultBytes = msg.maxResultBytes;
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(msg.entry).href)) as { default?: unknown };
  } catch (err) {
    const described = describeThrown(err);
    const message = clipText(importErrorMessage(err, described.message, msg.entry, msg.pluginDir));
    send({ type: 'load_error', code: 'IMPORT_ERROR', ...described, message });
    return;
  }
  const def = mod.default;
  if (!isPluginDefinition(def)) {
    send({
      type: 'load_error',
      code: 'IMPORT_ERROR',
      message:
        'the entry module must default-export { tools: { <name>: { description, inputSchema, handler } } }; ' +
        'wrap it in definePlugin() from @bastion/sdk',
    });
    return;
  }
  const ctx: LoadContext = {
    log: (...args) => {
      const line = rates.logLine(formatLog(args));
      if (line !== null) send({ type: 'log', line: clipText(line) });
    },
    pluginDir: msg.pluginDir,
    config: Object.freeze({ ...msg.config }),
    state: undefined,
  };
  try {
    ctx.state = await def.init?.({ log: ctx.log, pluginDir: ctx.pluginDir, config: ctx.config });
  } catch (err) {
    send({ type: 'load_error', code: 'INIT_ERROR', ...describeThrown(err) });
    return;
  }
  try {
    await def.validate?.({ ...ctx });
  } catch (err) {
    send({ type: 'load_error', code: 'VALIDATION_ERROR', ...describeThrown(err) });
    return;
  }
  let tools: WorkerToolInfo[];
  try {
    tools = toolInfos(def);
  } catch (err) {
    send({
      type: 'load_error',
      code: 'IMPORT_ERROR',
      message: `tool schemas must be plain JSON: ${describeThrown(err).message}`,
    });
    return;
  }
  outputChecks = await OutputChecks.compile(tools);
  plugin = def;
  loadCtx = ctx;
  send({ type: 'ready', tools });
}

/** The error message for a thrown value: INVALID_INPUT for an InputError (with its details), else TOOL_ERROR. */
function callFailure(id: number, err: unknown, prefix = ''): Extract<WorkerToHost, { type: 'error' }> {
  const info = describeThrown(err);
  const code: CallErrorCode = isInputError(err) ? 'INVALID_INPUT' : 'TOOL_ERROR';
  let detailsJson: string | undefined;
  if (code === 'INVALID_INPUT') {
    let details: unknown;
    try {
      details = (err as { details?: unknown }).details;
    } catch {
      details = undefined;
    }
    if (details !== undefined) {
      const encoded = encodeResult(details, MAX_DETAILS_BYTES);
      if ('json' in encoded && !nestsDeeperThan(encoded.json, MAX_DETAILS_DEPTH)) detailsJson = encoded.json;
    }
  }
  return {
    type: 'error',
    id,
    code,
    message: `${prefix}${info.message}`,
    ...(info.stack && code === 'TOOL_ERROR' ? { stack: info.stack } : {}),
    ...(detailsJson !== undefined ? { detailsJson } : {}),
  };
}

async function call(msg: CallMessage): Promise<void> {
  const self: NonNullable<typeof current> = {
    id: msg.id,
    controller: null,
    cancelled: false,
    startedAt: msg.traceparent === undefined ? -1 : epochNow(),
  };
  current = self;
  let tool: ToolDef | undefined;
  try {
    tool = plugin && Object.hasOwn(plugin.tools, msg.tool) ? plugin.tools[msg.tool] : undefined;
  } catch (err) {
    answer(callFailure(msg.id, err, 'reading the tool definition threw: '));
    return;
  }
  if (!tool || !loadCtx) {
    answer({ type: 'error', id: msg.id, code: 'TOOL_ERROR', message: `tool '${msg.tool}' is not loaded` });
    return;
  }
  let lastProgressAt = 0;
  let lastPct = -1;
  const ctx = {
    get signal(): AbortSignal {
      return signalOf(self);
    },
    progress: (pct: unknown, stage?: unknown) => {
      const n = typeof pct === 'number' ? pct : Number.NaN;
      const clamped = Math.max(0, Math.min(100, Number.isFinite(n) ? n : 0));
      const now = Date.now();
      // Bounded rate: a plugin reporting per pixel must not flood the host. Reports after the call ended are dropped.
      if (current !== self || (clamped === lastPct && stage === undefined)) return;
      if (now - lastProgressAt < 50 && clamped !== 100) return;
      if (!rates.progress()) return;
      lastProgressAt = now;
      lastPct = clamped;
      send({
        type: 'progress',
        id: msg.id,
        pct: clamped,
        stage: typeof stage === 'string' ? clipText(stage).slice(0, 200) : null,
      });
    },
    partial: (result: unknown) => {
      if (current !== self) return;
      if (!rates.partial()) {
        ctx.log(`partial result dropped: more than ${RUNTIME_RATES.partial} a second`);
        return;
      }
      const encoded = encodeResult(result, maxResultBytes);
      if ('json' in encoded) send({ type: 'partial', id: msg.id, json: encoded.json });
      else ctx.log(`partial result dropped: ${encoded.error}`);
    },
    log: loadCtx.log,
    pluginDir: loadCtx.pluginDir,
    config: loadCtx.config,
    state: loadCtx.state,
    /** The call's W3C trace context when the host traces (for plugins that call out); else undefined. */
    traceparent: msg.traceparent,
  };
  try {
    const result: unknown = await (tool as ToolDef).handler(msg.args, ctx);
    if (current !== self) return; // already answered (unhandled rejection)
    const encoded = encodeResult(result, maxResultBytes);
    if (!('json' in encoded)) {
      answer({ type: 'error', id: msg.id, code: 'INVALID_OUTPUT', message: encoded.error });
      return;
    }
    const problem = outputChecks?.check(msg.tool, encoded.json);
    if (problem) answer({ type: 'error', id: msg.id, code: 'INVALID_OUTPUT', ...problem });
    else answer({ type: 'result', id: msg.id, json: encoded.json });
  } catch (err) {
    if (current !== self) return;
    answer(callFailure(msg.id, err));
  }
}

async function dispose(): Promise<void> {
  try {
    await plugin?.dispose?.({ ...loadCtx });
  } catch (err) {
    send({ type: 'log', line: clipText(`dispose() failed: ${describeThrown(err).message}`) });
  }
  send({ type: 'disposed' });
  host.end(() => process.exit(0));
}

// A rejection nobody awaited belongs to the call in flight (one call per worker): fail that call, keep the
// worker. With no call in flight it is only logged.
process.on('unhandledRejection', (reason) => {
  if (current) {
    answer(callFailure(current.id, reason, 'unhandled rejection: '));
  } else {
    const line = rates.logLine(`unhandled rejection outside a call: ${describeThrown(reason).message}`);
    if (line !== null) send({ type: 'log', line: clipText(line) });
  }
});

function onHostMessage(msg: HostToWorker): void {
  switch (msg.type) {
    case 'load':
      void load(msg);
      break;
    case 'call':
      if (current || queued.length > 0) queued.push(msg);
      else void call(msg);
      break;
    case 'cancel':
      cancel(msg.id);
      break;
    case 'dispose':
      void dispose();
      break;
  }
}
