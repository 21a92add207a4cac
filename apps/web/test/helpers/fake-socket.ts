import type { SocketLike } from '../../src/api/realtime';

/**
 * A stand-in for the browser's WebSocket with the surface the realtime client uses. Tests drive it: `open()`,
 * `receive()`, `drop()`; `sent` holds what the client sent, parsed.
 */
export class FakeSocket implements SocketLike {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  readyState = FakeSocket.CONNECTING;
  // What the browser has queued but not sent (the camera page skips frames while it is high).
  bufferedAmount = 0;
  readonly sent: Array<{ type: string; payload?: unknown }> = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  closedByClient = false;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== FakeSocket.OPEN) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as { type: string; payload?: unknown });
  }

  close(): void {
    this.closedByClient = true;
    this.readyState = FakeSocket.CLOSED;
  }

  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.(new Event('open'));
  }

  /** A server message: an object is sent as JSON, a string as is. */
  receive(msg: unknown): void {
    const data = typeof msg === 'string' ? msg : JSON.stringify(msg);
    this.onmessage?.({ data } as MessageEvent);
  }

  /** The connection ends from the far side (server gone, network lost). */
  drop(code = 1006): void {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason: '' } as CloseEvent);
  }
}

/** A socket factory that records every socket it made. */
export function socketFactory(): {
  sockets: FakeSocket[];
  connect: (url: string) => FakeSocket;
  last: () => FakeSocket;
} {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    connect: (url: string) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    last: () => {
      const s = sockets[sockets.length - 1];
      if (!s) throw new Error('no socket opened yet');
      return s;
    },
  };
}

/** A server message envelope. */
export function msg(type: string, payload: unknown): { type: string; payload: unknown; timestamp: string } {
  return { type, payload, timestamp: '2026-01-01T00:00:00.000Z' };
}
