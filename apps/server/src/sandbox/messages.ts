/**
 * The messages between host and worker: one typed union per direction. They travel as frames on a socket pair
 * (wire/frame.ts), binary arguments as raw bytes and result JSON as raw text. Everything a worker sends is checked
 * by the host (ipc-validate.ts) before it is believed: plugin code shares the worker's process and could write
 * anything to that socket.
 */

export interface WorkerToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
}

export const LOAD_ERROR_CODES = ['IMPORT_ERROR', 'INIT_ERROR', 'VALIDATION_ERROR', 'MANIFEST_INVALID'] as const;
export type LoadErrorCode = (typeof LOAD_ERROR_CODES)[number];

/** What a call may fail with inside the worker; INVALID_INPUT is a plugin's InputError (the caller's mistake). */
export const CALL_ERROR_CODES = ['TOOL_ERROR', 'INVALID_OUTPUT', 'INVALID_INPUT'] as const;
export type CallErrorCode = (typeof CALL_ERROR_CODES)[number];

export type LoadMessage = {
  type: 'load';
  pluginDir: string;
  entry: string;
  config: Record<string, unknown>;
  maxResultBytes: number;
};

/**
 * Timings of a call as the worker saw it (epoch ms with fractions; host and worker share the machine's clock), sent
 * only for calls that carried a `traceparent`: the host builds the worker's span from them (workers have no network).
 */
export interface CallTimings {
  startedAt?: number;
  finishedAt?: number;
}

export type HostToWorker =
  | LoadMessage
  | {
      type: 'call';
      id: number;
      tool: string;
      args: Record<string, unknown>;
      /** W3C trace context of the call's worker span, when tracing is on (the plugin sees it as ctx.traceparent). */
      traceparent?: string;
    }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };

export type WorkerToHost =
  | { type: 'ready'; tools: WorkerToolInfo[] }
  | { type: 'load_error'; code: LoadErrorCode; message: string; stack?: string }
  | ({ type: 'result'; id: number; json: string } & CallTimings)
  | ({
      type: 'error';
      id: number;
      code: CallErrorCode;
      message: string;
      stack?: string;
      /** An InputError's `details`, as JSON text (only when they are plain JSON). */
      detailsJson?: string;
    } & CallTimings)
  | { type: 'progress'; id: number; pct: number; stage: string | null }
  | { type: 'partial'; id: number; json: string }
  | { type: 'log'; line: string }
  | { type: 'disposed' };
