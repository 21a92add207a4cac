import { z } from 'zod';
import { ErrorCodeSchema } from './errors.js';
import { PluginStateSchema, TimestampSchema } from './health.js';
import { JobErrorSchema, JobStatusSchema } from './jobs.js';
import { ToolArgsSchema } from './plugins.js';

/** Every WebSocket message, both ways: `{type, payload, timestamp}` (timestamp ISO-8601 UTC). */
export interface WsEnvelope<T extends string = string, P = unknown> {
  type: T;
  payload: P;
  timestamp: string;
}

/** The schema of one envelope type. */
function envelope<T extends string, P extends z.ZodType>(type: T, payload: P) {
  return z.object({ type: z.literal(type), payload, timestamp: TimestampSchema });
}

/** Topics of `/v1/realtime`: all plugin state changes, all job updates, or one job's updates. */
export type RealtimeTopic = 'plugins' | 'jobs' | `job:${string}`;

// ---- /v1/realtime, client → server
export const SubscribePayloadSchema = z.object({
  topics: z.array(z.string()).meta({ description: '"plugins", "jobs" or "job:<id>"' }),
});
export type SubscribePayload = z.infer<typeof SubscribePayloadSchema>;

export const RealtimeClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), payload: SubscribePayloadSchema }),
  z.object({ type: z.literal('unsubscribe'), payload: SubscribePayloadSchema }),
  z.object({ type: z.literal('ping'), payload: z.unknown().optional() }),
]);
export type RealtimeClientMessage = z.infer<typeof RealtimeClientMessageSchema>;

// ---- /v1/realtime, server → client
export const PluginStatusPayloadSchema = z.object({
  name: z.string(),
  state: PluginStateSchema,
  reason: z.string().nullable(),
  reason_code: z.string().nullable(),
});
export type PluginStatusPayload = z.infer<typeof PluginStatusPayloadSchema>;

export const JobStatusPayloadSchema = z.object({
  job_id: z.string(),
  status: JobStatusSchema,
  error: JobErrorSchema.nullable(),
});
export type JobStatusPayload = z.infer<typeof JobStatusPayloadSchema>;

export const JobProgressPayloadSchema = z.object({
  job_id: z.string(),
  progress: z.number().min(0).max(100),
  stage: z.string().nullable(),
});
export type JobProgressPayload = z.infer<typeof JobProgressPayloadSchema>;

export const PartialResultPayloadSchema = z.object({
  job_id: z.string(),
  index: z.number().int().min(0).meta({ description: '0-based, in the order the plugin emitted them' }),
  result: z.unknown(),
});
export type PartialResultPayload = z.infer<typeof PartialResultPayloadSchema>;

export const WsErrorPayloadSchema = z.object({ code: ErrorCodeSchema, message: z.string() });
export type WsErrorPayload = z.infer<typeof WsErrorPayloadSchema>;

/** Acknowledges a subscribe/unsubscribe with the connection's topics afterwards. */
export const SubscribedPayloadSchema = z.object({ topics: z.array(z.string()) });
export type SubscribedPayload = z.infer<typeof SubscribedPayloadSchema>;

/** The payload of each server → client message type of `/v1/realtime`. */
export const REALTIME_SERVER_PAYLOADS = {
  plugin_status: PluginStatusPayloadSchema,
  job_status: JobStatusPayloadSchema,
  job_progress: JobProgressPayloadSchema,
  partial_result: PartialResultPayloadSchema,
  error: WsErrorPayloadSchema,
  pong: z.unknown(),
  subscribed: SubscribedPayloadSchema,
} as const;

export type RealtimeServerPayloads = {
  [K in keyof typeof REALTIME_SERVER_PAYLOADS]: z.infer<(typeof REALTIME_SERVER_PAYLOADS)[K]>;
};

export const RealtimeServerMessageSchema = z.discriminatedUnion('type', [
  envelope('plugin_status', PluginStatusPayloadSchema),
  envelope('job_status', JobStatusPayloadSchema),
  envelope('job_progress', JobProgressPayloadSchema),
  envelope('partial_result', PartialResultPayloadSchema),
  envelope('error', WsErrorPayloadSchema),
  envelope('pong', z.unknown()),
  envelope('subscribed', SubscribedPayloadSchema),
]);
export type RealtimeServerMessage = z.infer<typeof RealtimeServerMessageSchema>;

// ---- /v1/stream
/** A frame's id: echoed in the answer; the server numbers binary frames itself. */
export const FrameIdSchema = z.union([z.string().max(200), z.number(), z.null()]);

export const StreamFramePayloadSchema = z.object({
  frame_id: FrameIdSchema.optional(),
  image_base64: z.string().optional().meta({ description: 'The image, base64 or a data: URL' }),
  args: ToolArgsSchema.optional(),
});
export type StreamFramePayload = z.infer<typeof StreamFramePayloadSchema>;

export const StreamResultPayloadSchema = z.object({
  frame_id: FrameIdSchema,
  result: z.unknown(),
  execution_time_ms: z.number().min(0),
  dropped: z
    .number()
    .int()
    .min(0)
    .meta({ description: 'Frames replaced by a newer one before they ran, since the connection opened' }),
});
export type StreamResultPayload = z.infer<typeof StreamResultPayloadSchema>;

export const StreamErrorPayloadSchema = z.object({
  frame_id: FrameIdSchema,
  code: ErrorCodeSchema,
  message: z.string(),
  dropped: z.number().int().min(0),
});
export type StreamErrorPayload = z.infer<typeof StreamErrorPayloadSchema>;

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
