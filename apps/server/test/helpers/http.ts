import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/** An HTTP request over a real socket with exactly these headers (fetch would replace `Host`). */
export function rawHttp(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Writes `head` (raw HTTP) on a fresh socket, then nothing more, and collects whatever the server answers until
 * it closes the connection (a slow-loris client).
 */
export function stalledRequest(base: string, head: string): Promise<{ text: string; socket: Socket }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(head));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.on('error', () => {}); // a reset after the answer is fine
    socket.on('close', () => resolve({ text, socket }));
    socket.setTimeout(60_000, () => {
      socket.destroy();
      reject(new Error(`no answer; got ${JSON.stringify(text)}`));
    });
  });
}

/** The JSON body of a raw HTTP response text (`HTTP/1.1 ...\r\n...\r\n\r\n{...}`). */
export function parseRawResponse(text: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const at = text.indexOf('\r\n\r\n');
  const rest = at < 0 ? '' : text.slice(at + 4);
  return { status, body: rest ? (JSON.parse(rest) as unknown) : null };
}
