import { JOB_STATUSES, PLUGIN_STATES } from '@bastion/protocol';
import type { ErrorCode, JobStatus, PluginState, RealtimeServerMessage } from '@bastion/protocol';

/**
 * Checks one `/v1/realtime` message from the server. The socket carries text we did not produce, so every field
 * the UI reads is checked here once; anything else (bad JSON, unknown type, wrong field types) is `null` and
 * dropped by the client instead of reaching a component as a half-shaped object.
 */
export function parseServerMessage(text: unknown): RealtimeServerMessage | null {
  if (typeof text !== 'string') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(raw) || typeof raw.type !== 'string') return null;
  const timestamp = typeof raw.timestamp === 'string' ? raw.timestamp : '';
  const p = isObject(raw.payload) ? raw.payload : null;
  switch (raw.type) {
    case 'plugin_status': {
      if (!p || typeof p.name !== 'string' || !isPluginState(p.state)) return null;
      const payload = {
        name: p.name,
        state: p.state,
        reason: strOrNull(p.reason),
        reason_code: strOrNull(p.reason_code),
      };
      return { type: 'plugin_status', payload, timestamp };
    }
    case 'job_status': {
      if (!p || typeof p.job_id !== 'string' || !isJobStatus(p.status)) return null;
      const e = isObject(p.error) && typeof p.error.code === 'string' ? p.error : null;
      // Kept as sent: a newer server may use a code this build does not list; the UI shows it as is.
      const error = e ? { code: e.code as ErrorCode, message: typeof e.message === 'string' ? e.message : '' } : null;
      return { type: 'job_status', payload: { job_id: p.job_id, status: p.status, error }, timestamp };
    }
    case 'job_progress': {
      if (!p || typeof p.job_id !== 'string' || !finite(p.progress)) return null;
      const progress = Math.max(0, Math.min(100, p.progress));
      return { type: 'job_progress', payload: { job_id: p.job_id, progress, stage: strOrNull(p.stage) }, timestamp };
    }
    case 'partial_result': {
      if (!p || typeof p.job_id !== 'string' || !Number.isInteger(p.index) || (p.index as number) < 0) return null;
      const payload = { job_id: p.job_id, index: p.index as number, result: p.result };
      return { type: 'partial_result', payload, timestamp };
    }
    case 'error': {
      if (!p || typeof p.code !== 'string' || typeof p.message !== 'string') return null;
      return { type: 'error', payload: { code: p.code as ErrorCode, message: p.message }, timestamp };
    }
    case 'pong':
      return { type: 'pong', payload: raw.payload ?? null, timestamp };
    case 'subscribed': {
      if (!p || !Array.isArray(p.topics) || !p.topics.every((t) => typeof t === 'string')) return null;
      return { type: 'subscribed', payload: { topics: [...(p.topics as string[])] }, timestamp };
    }
    default:
      return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isPluginState = (v: unknown): v is PluginState => (PLUGIN_STATES as readonly unknown[]).includes(v);
const isJobStatus = (v: unknown): v is JobStatus => (JOB_STATUSES as readonly unknown[]).includes(v);
