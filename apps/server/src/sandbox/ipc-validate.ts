import {
  CALL_ERROR_CODES,
  LOAD_ERROR_CODES,
  type CallErrorCode,
  type LoadErrorCode,
  type WorkerToHost,
} from './messages.js';

const isStr = (v: unknown): v is string => typeof v === 'string';
const isOptStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isId = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const isOptTime = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const hasTimings = (m: Record<string, unknown>): boolean => isOptTime(m.startedAt) && isOptTime(m.finishedAt);

function isToolInfo(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return (
    isStr(t.name) &&
    isStr(t.description) &&
    typeof t.inputSchema === 'object' &&
    t.inputSchema !== null &&
    (t.outputSchema === null || typeof t.outputSchema === 'object')
  );
}

/**
 * True when a message from a worker has exactly the shape of one member of the protocol union. A plugin can call
 * frames to its socket itself, so codes are checked against the worker's own lists: it cannot claim a host code.
 */
export function isWorkerMessage(msg: unknown): msg is WorkerToHost {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return Array.isArray(m.tools) && m.tools.every(isToolInfo);
    case 'load_error':
      return LOAD_ERROR_CODES.includes(m.code as LoadErrorCode) && isStr(m.message) && isOptStr(m.stack);
    case 'result':
      return isId(m.id) && isStr(m.json) && hasTimings(m);
    case 'partial':
      return isId(m.id) && isStr(m.json);
    case 'error':
      return (
        isId(m.id) &&
        CALL_ERROR_CODES.includes(m.code as CallErrorCode) &&
        isStr(m.message) &&
        isOptStr(m.stack) &&
        isOptStr(m.detailsJson) &&
        hasTimings(m)
      );
    case 'progress':
      return isId(m.id) && typeof m.pct === 'number' && (m.stage === null || isStr(m.stage));
    case 'log':
      return isStr(m.line);
    case 'disposed':
      return true;
    default:
      return false;
  }
}
