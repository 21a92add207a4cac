import { z } from 'zod';
import { MAX_TOOLS, MAX_WORKER_TEXT } from './worker-limits.js';

/**
 * The messages between the host and a plugin's worker process, one schema per direction. They travel as frames on
 * the worker's fd 3 (the server's sandbox/wire/): binary arguments as raw bytes, result JSON as raw text. A worker
 * runs plugin code, so everything it sends is parsed with {@link WorkerToHostSchema} before any listener sees it;
 * the bounds here are what keeps a hostile worker from making the host allocate, recurse or log without limit.
 * Runtimes other than the Node worker (e.g. the Python runner) speak exactly these shapes.
 */

const text = z.string().max(MAX_WORKER_TEXT);
const callId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const jsonObject = z.record(z.string(), z.unknown());

export const WorkerToolInfoSchema = z
  .object({
    name: z.string().min(1).max(128),
    description: text,
    inputSchema: jsonObject,
    outputSchema: jsonObject.nullable(),
  })
  .strict();
/** A tool as a worker declares it in its `ready` message. */
export type WorkerToolInfo = z.infer<typeof WorkerToolInfoSchema>;

export const LOAD_ERROR_CODES = ['IMPORT_ERROR', 'INIT_ERROR', 'VALIDATION_ERROR', 'MANIFEST_INVALID'] as const;
export type LoadErrorCode = (typeof LOAD_ERROR_CODES)[number];

/** What a call may fail with inside the worker; INVALID_INPUT is a plugin's InputError (the caller's mistake). */
export const CALL_ERROR_CODES = ['TOOL_ERROR', 'INVALID_OUTPUT', 'INVALID_INPUT'] as const;
export type CallErrorCode = (typeof CALL_ERROR_CODES)[number];

export const WorkerToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), tools: z.array(WorkerToolInfoSchema).max(MAX_TOOLS) }).strict(),
  z
    .object({ type: z.literal('load_error'), code: z.enum(LOAD_ERROR_CODES), message: text, stack: text.optional() })
    .strict(),
  z.object({ type: z.literal('result'), id: callId, json: z.string() }).strict(),
  z
    .object({
      type: z.literal('error'),
      id: callId,
      code: z.enum(CALL_ERROR_CODES),
      message: text,
      stack: text.optional(),
      /** An InputError's or an output check's `details`, as JSON text. */
      detailsJson: text.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('progress'),
      id: callId,
      pct: z.number().min(0).max(100),
      stage: z.string().max(200).nullable(),
    })
    .strict(),
  z.object({ type: z.literal('partial'), id: callId, json: z.string() }).strict(),
  z.object({ type: z.literal('log'), line: text }).strict(),
  z.object({ type: z.literal('disposed') }).strict(),
]);
export type WorkerToHost = z.infer<typeof WorkerToHostSchema>;
export type WorkerMessageType = WorkerToHost['type'];

/** What the host tells a worker when it starts it. */
export interface LoadMessage {
  type: 'load';
  pluginDir: string;
  entry: string;
  config: Record<string, unknown>;
  /** Longest result, in UTF-8 bytes of its JSON text. */
  maxResultBytes: number;
}

/** Host → worker. The host is trusted, so these are typed, not parsed. */
export type HostToWorker =
  | LoadMessage
  | { type: 'call'; id: number; tool: string; args: Record<string, unknown> }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };
