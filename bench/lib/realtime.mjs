// A /v1/realtime subscriber for benchmarks: counts messages, their delivery delay, and hands job_status on.
import { WebSocket } from 'ws';

/** Resolves once the server has confirmed the subscription. `onStatus` may be set later to see job_status. */
export function subscribe(url, topics) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/realtime`);
    const client = { ws, received: 0, latencies: [], onStatus: null };
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type === 'subscribed') return resolve(client);
      client.received++;
      client.latencies.push(Date.now() - Date.parse(msg.timestamp));
      if (msg.type === 'job_status') client.onStatus?.(msg.payload);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', payload: { topics } })));
    ws.once('error', reject);
  });
}
