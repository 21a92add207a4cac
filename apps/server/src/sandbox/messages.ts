/**
 * The messages between host and worker: one typed union per direction. They travel over Node's IPC channel
 * with `serialization: 'advanced'`, so binary arguments cross as Uint8Array without base64.
 */

export interface WorkerToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
}

export type LoadErrorCode = 'IMPORT_ERROR' | 'INIT_ERROR' | 'VALIDATION_ERROR' | 'MANIFEST_INVALID';
export type CallErrorCode = 'TOOL_ERROR' | 'INVALID_OUTPUT';

export type HostToWorker =
  | {
      type: 'load';
      pluginDir: string;
      entry: string;
      config: Record<string, unknown>;
      maxResultBytes: number;
    }
  | { type: 'call'; id: number; tool: string; args: Record<string, unknown> }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };

export type WorkerToHost =
  | { type: 'ready'; tools: WorkerToolInfo[] }
  | { type: 'load_error'; code: LoadErrorCode; message: string; stack?: string }
  | { type: 'result'; id: number; json: string }
  | { type: 'error'; id: number; code: CallErrorCode; message: string; stack?: string }
  | { type: 'progress'; id: number; pct: number; stage: string | null }
  | { type: 'partial'; id: number; json: string }
  | { type: 'log'; line: string }
  | { type: 'disposed' };
