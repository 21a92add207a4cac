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

export type HostToWorker =
  | LoadMessage
  | { type: 'call'; id: number; tool: string; args: Record<string, unknown> }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };

export type WorkerToHost =
  | { type: 'ready'; tools: WorkerToolInfo[] }
  | { type: 'load_error'; code: LoadErrorCode; message: string; stack?: string }
  | { type: 'result'; id: number; json: string }
  | {
      type: 'error';
      id: number;
      code: CallErrorCode;
      message: string;
      stack?: string;
      /** An InputError's `details`, as JSON text (only when they are plain JSON). */
      detailsJson?: string;
    }
  | { type: 'progress'; id: number; pct: number; stage: string | null }
  | { type: 'partial'; id: number; json: string }
  | { type: 'log'; line: string }
  | { type: 'disposed' };
