import type { ErrorCode } from './errors.js';
import type { PluginState } from './health.js';
import type { JobRecord, JobStatus } from './jobs.js';

/** Every WebSocket message, both ways: `{type, payload, timestamp}` (timestamp ISO-8601 UTC). */
export interface WsEnvelope<T extends string = string, P = unknown> {
  type: T;
  payload: P;
  timestamp: string;
}

/** Topics of `/v1/realtime`: all plugin state changes, all job updates, or one job's updates. */
export type RealtimeTopic = 'plugins' | 'jobs' | `job:${string}`;

// ---- /v1/realtime, client → server
export interface SubscribePayload {
  topics: string[];
}
export type RealtimeClientMessage =
  | { type: 'subscribe'; payload: SubscribePayload }
  | { type: 'unsubscribe'; payload: SubscribePayload }
  | { type: 'ping'; payload?: unknown };

// ---- /v1/realtime, server → client
export interface PluginStatusPayload {
  name: string;
  state: PluginState;
  reason: string | null;
  reason_code: string | null;
}
export interface JobStatusPayload {
  job_id: string;
  status: JobStatus;
  error: JobRecord['error'];
}
export interface JobProgressPayload {
  job_id: string;
  progress: number;
  stage: string | null;
}
export interface PartialResultPayload {
  job_id: string;
  /** 0-based, in the order the plugin emitted them. */
  index: number;
  result: unknown;
}
export interface WsErrorPayload {
  code: ErrorCode;
  message: string;
}
/** Acknowledges a subscribe/unsubscribe with the connection's topics afterwards. */
export interface SubscribedPayload {
  topics: string[];
}

export interface RealtimeServerPayloads {
  plugin_status: PluginStatusPayload;
  job_status: JobStatusPayload;
  job_progress: JobProgressPayload;
  partial_result: PartialResultPayload;
  error: WsErrorPayload;
  pong: unknown;
  subscribed: SubscribedPayload;
}
export type RealtimeServerMessage = {
  [K in keyof RealtimeServerPayloads]: WsEnvelope<K, RealtimeServerPayloads[K]>;
}[keyof RealtimeServerPayloads];

// ---- /v1/stream
export interface StreamFramePayload {
  /** Echoed in the answer; the server numbers binary frames itself. */
  frame_id?: string | number | null;
  image_base64?: string;
  args?: Record<string, unknown>;
}
export interface StreamResultPayload {
  frame_id: string | number | null;
  result: unknown;
  execution_time_ms: number;
  /** Frames replaced by a newer one before they ran, since the connection opened. */
  dropped: number;
}
export interface StreamErrorPayload {
  frame_id: string | number | null;
  code: ErrorCode;
  message: string;
  dropped: number;
}

/** WebSocket close codes of Bastion (4000–4999 is the application range). */
export const WS_CLOSE = {
  /** Server shutting down. */
  GOING_AWAY: 1001,
  /** The message exceeded the hard frame limit (set by the ws library). */
  TOO_BIG: 1009,
  /** The client did not read its messages fast enough; its send buffer overflowed. */
  SLOW_CONSUMER: 4008,
  /** The stream cannot work at all (unknown plugin/tool, bad query). */
  STREAM_REJECTED: 4004,
} as const;
