import { StreamErrorPayloadSchema, StreamResultPayloadSchema } from '@bastion/protocol';
import type { StreamErrorPayload, StreamResultPayload } from '@bastion/protocol';
import { wsUrl } from './client';

export type StreamEvent =
  | { type: 'open' }
  | { type: 'result'; payload: StreamResultPayload }
  | { type: 'error'; payload: StreamErrorPayload }
  | { type: 'close'; code: number; reason: string };

/**
 * `/v1/stream?plugin=&tool=`: sends frames as `{type: 'frame', payload: {frame_id, image_base64, args}}` and
 * reports results and errors. The server runs one frame at a time and keeps only the newest waiting one.
 */
export class StreamConnection {
  readonly #ws: WebSocket;

  constructor(plugin: string, tool: string, onEvent: (e: StreamEvent) => void) {
    this.#ws = new WebSocket(wsUrl('/v1/stream', { plugin, tool }));
    this.#ws.onopen = () => onEvent({ type: 'open' });
    this.#ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let msg: { type?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(ev.data) as { type?: unknown; payload?: unknown };
      } catch {
        return; // not JSON: not ours
      }
      // Checked against the protocol's schemas; anything else is dropped rather than half-read.
      if (msg?.type === 'result') {
        const p = StreamResultPayloadSchema.safeParse(msg.payload);
        if (p.success) onEvent({ type: 'result', payload: p.data });
      } else if (msg?.type === 'error') {
        const p = StreamErrorPayloadSchema.safeParse(msg.payload);
        if (p.success) onEvent({ type: 'error', payload: p.data });
      }
    };
    this.#ws.onclose = (ev) => onEvent({ type: 'close', code: ev.code, reason: ev.reason });
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in the browser but not yet sent; the camera skips frames while this is high. */
  get buffered(): number {
    return this.#ws.bufferedAmount;
  }

  sendFrame(frameId: number, imageBase64: string, args: Record<string, unknown>): void {
    if (!this.open) return;
    this.#ws.send(JSON.stringify({ type: 'frame', payload: { frame_id: frameId, image_base64: imageBase64, args } }));
  }

  close(): void {
    this.#ws.close();
  }
}
