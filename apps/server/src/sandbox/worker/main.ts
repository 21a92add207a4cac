/**
 * Worker entry: the only module that imports plugin code. It runs in its own (sandboxed) process, one call at a
 * time, and talks to the host exclusively through the messages in ../messages.ts.
 */
import { pathToFileURL } from 'node:url';
import type { PluginDefinition, ToolContext, LoadContext } from '@bastion/sdk';
import type { HostToWorker, WorkerToHost, WorkerToolInfo } from '../messages.js';

const rawSend = process.send?.bind(process);
if (!rawSend) {
  console.error('bastion worker: started without an IPC channel');
  process.exit(70);
}
const send = (msg: WorkerToHost): void => {
  rawSend(msg);
};

let plugin: PluginDefinition | null = null;
let loadCtx: LoadContext | null = null;
let maxResultBytes = 16 * 1024 * 1024;
let current: { id: number; controller: AbortController } | null = null;

function describe(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message || err.name, ...(err.stack ? { stack: err.stack } : {}) };
  if (typeof err === 'string') return { message: err };
  try {
    return { message: `non-Error thrown: ${JSON.stringify(err) ?? String(err)}` };
  } catch {
    return { message: `non-Error thrown: ${String(err)}` };
  }
}

function formatLog(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : describe(a).message)).join(' ');
}

function isPluginDefinition(value: unknown): value is PluginDefinition {
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
}

function toolInfos(def: PluginDefinition): WorkerToolInfo[] {
  return Object.entries(def.tools).map(([name, t]) => ({
    name,
    description: typeof t.description === 'string' ? t.description : '',
    // Round-trip through JSON so only plain data crosses to the host.
    inputSchema: JSON.parse(JSON.stringify(t.inputSchema)) as Record<string, unknown>,
    outputSchema: t.outputSchema ? (JSON.parse(JSON.stringify(t.outputSchema)) as Record<string, unknown>) : null,
  }));
}

async function load(msg: Extract<HostToWorker, { type: 'load' }>): Promise<void> {
  maxResultBytes = msg.maxResultBytes;
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(msg.entry).href)) as { default?: unknown };
  } catch (err) {
    send({ type: 'load_error', code: 'IMPORT_ERROR', ...describe(err) });
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
    log: (...args) => send({ type: 'log', line: formatLog(args) }),
    pluginDir: msg.pluginDir,
    config: Object.freeze({ ...msg.config }),
  };
  try {
    await def.init?.(ctx);
  } catch (err) {
    send({ type: 'load_error', code: 'INIT_ERROR', ...describe(err) });
    return;
  }
  try {
    await def.validate?.(ctx);
  } catch (err) {
    send({ type: 'load_error', code: 'VALIDATION_ERROR', ...describe(err) });
    return;
  }
  let tools: WorkerToolInfo[];
  try {
    tools = toolInfos(def);
  } catch (err) {
    send({
      type: 'load_error',
      code: 'IMPORT_ERROR',
      message: `tool schemas must be plain JSON: ${describe(err).message}`,
    });
    return;
  }
  plugin = def;
  loadCtx = ctx;
  send({ type: 'ready', tools });
}

function encodeResult(result: unknown): { json: string } | { error: string } {
  let json: string | undefined;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch (err) {
    return { error: `result is not JSON-serialisable: ${describe(err).message}` };
  }
  if (json === undefined) return { error: `result of type ${typeof result} is not JSON-serialisable` };
  if (json.length > maxResultBytes) {
    return { error: `result is ${json.length} bytes, over the ${maxResultBytes}-byte limit` };
  }
  return { json };
}

async function call(msg: Extract<HostToWorker, { type: 'call' }>): Promise<void> {
  const tool = plugin && loadCtx ? plugin.tools[msg.tool] : undefined;
  if (!tool || !loadCtx) {
    send({ type: 'error', id: msg.id, code: 'TOOL_ERROR', message: `tool '${msg.tool}' is not loaded` });
    return;
  }
  const controller = new AbortController();
  current = { id: msg.id, controller };
  let lastProgressAt = 0;
  let lastPct = -1;
  const ctx: ToolContext = {
    signal: controller.signal,
    progress: (pct, stage) => {
      const clamped = Math.max(0, Math.min(100, Number(pct) || 0));
      const now = Date.now();
      // Bounded rate: a plugin reporting per pixel must not flood the host.
      if (clamped === lastPct && stage === undefined) return;
      if (now - lastProgressAt < 50 && clamped !== 100) return;
      lastProgressAt = now;
      lastPct = clamped;
      send({ type: 'progress', id: msg.id, pct: clamped, stage: typeof stage === 'string' ? stage : null });
    },
    partial: (result) => {
      const encoded = encodeResult(result);
      if ('json' in encoded) send({ type: 'partial', id: msg.id, json: encoded.json });
    },
    log: loadCtx.log,
    pluginDir: loadCtx.pluginDir,
    config: loadCtx.config,
  };
  try {
    const result: unknown = await tool.handler(msg.args, ctx);
    if (current?.id !== msg.id) return; // already answered (unhandled rejection)
    const encoded = encodeResult(result);
    if ('json' in encoded) send({ type: 'result', id: msg.id, json: encoded.json });
    else send({ type: 'error', id: msg.id, code: 'INVALID_OUTPUT', message: encoded.error });
  } catch (err) {
    if (current?.id !== msg.id) return;
    send({ type: 'error', id: msg.id, code: 'TOOL_ERROR', ...describe(err) });
  } finally {
    if (current?.id === msg.id) current = null;
  }
}

async function dispose(): Promise<void> {
  try {
    await plugin?.dispose?.();
  } catch (err) {
    send({ type: 'log', line: `dispose() failed: ${describe(err).message}` });
  }
  send({ type: 'disposed' });
  process.disconnect?.();
  process.exit(0);
}

// A rejection nobody awaited belongs to the call in flight (one call per worker): fail that call, keep the
// worker. With no call in flight it is only logged.
process.on('unhandledRejection', (reason) => {
  const info = describe(reason);
  if (current) {
    const id = current.id;
    current = null;
    send({
      type: 'error',
      id,
      code: 'TOOL_ERROR',
      message: `unhandled rejection: ${info.message}`,
      ...(info.stack ? { stack: info.stack } : {}),
    });
  } else {
    send({ type: 'log', line: `unhandled rejection outside a call: ${info.message}` });
  }
});

process.on('disconnect', () => process.exit(0));

process.on('message', (msg: HostToWorker) => {
  switch (msg.type) {
    case 'load':
      void load(msg);
      break;
    case 'call':
      void call(msg);
      break;
    case 'cancel':
      if (current?.id === msg.id) current.controller.abort(new Error('cancelled'));
      break;
    case 'dispose':
      void dispose();
      break;
  }
});
