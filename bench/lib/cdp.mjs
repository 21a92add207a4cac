// A minimal Chrome DevTools Protocol client for Node's inspector: enough to CPU-profile a running process.
import { WebSocket } from 'ws';
import { sleep } from './stats.mjs';

/** Connects to the inspector listening on 127.0.0.1:port (retrying while it starts). */
export async function connectInspector(port, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  let list;
  for (;;) {
    try {
      list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      break;
    } catch (err) {
      if (Date.now() > end) throw new Error(`no inspector on port ${port}: ${err.message}`, { cause: err });
      await sleep(50);
    }
  }
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error.message));
    else p.resolve(msg.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      pending.set(++id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Starts the sampling profiler; the returned function stops it and resolves to the .cpuprofile object. */
export async function startProfile(client, intervalUs = 100) {
  await client.send('Profiler.enable');
  await client.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await client.send('Profiler.start');
  return async () => (await client.send('Profiler.stop')).profile;
}

/**
 * Self time per function of a .cpuprofile, heaviest first: [{ name, where, selfMs }]. Functions are keyed by
 * name and location; `(idle)` is dropped.
 */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    const where = url ? `${url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}\0${where}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return [...self.entries()]
    .map(([k, us]) => {
      const [name, where] = k.split('\0');
      return { name, where, selfMs: us / 1000 };
    })
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** Self time summed by module: a package name, a node: internal area, or a project folder. */
export function byModule(rows) {
  const sum = new Map();
  for (const r of rows) {
    const w = r.where;
    let key;
    if (!w)
      key = r.name; // (program), (garbage collector)
    else if (w.startsWith('node:'))
      key = w
        .split(':')
        .slice(0, 2)
        .join(':')
        .replace(/\/[^/]*$/, '');
    else if (!w.startsWith('/')) key = w.startsWith('@') ? w.split('/').slice(0, 2).join('/') : w.split('/')[0];
    else key = w.replace(/^.*\/(apps|packages|plugins)\//, '$1/').replace(/\/[^/]*$/, '');
    sum.set(key, (sum.get(key) ?? 0) + r.selfMs);
  }
  return [...sum.entries()].map(([module, selfMs]) => ({ module, selfMs })).sort((a, b) => b.selfMs - a.selfMs);
}

/**
 * Inclusive time (self + everything it called) per function whose location matches `filter`, heaviest first:
 * [{ name, where, totalMs }]. A function on the stack several times in one sample counts once.
 */
export function totalTimes(profile, filter = () => true) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '')}:${lineNumber + 1}` : '';
    return { key: `${functionName || '(anonymous)'}\0${where}`, where };
  };
  const total = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    if (byId.get(profile.samples[i]).callFrame.functionName === '(idle)') continue;
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const { key, where } = label(byId.get(id));
      if (seen.has(key) || !filter(where)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
  }
  return [...total.entries()]
    .map(([k, us]) => {
      const [name, where] = k.split('\0');
      return { name, where, totalMs: us / 1000 };
    })
    .sort((a, b) => b.totalMs - a.totalMs);
}
