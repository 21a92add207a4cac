// Runs autocannon in its own process (never in the process being measured) and returns its JSON result.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, tmp } from './server.mjs';

const cli = path.join(root, 'node_modules/autocannon/autocannon.js');

/**
 * One autocannon run. Returns { rps, p50, p99, max, requests, bytes, errors, timeouts, non2xx, statusCodes }.
 * `body` is sent as JSON when it is an object. `headers` are added to every request; `idReplacement` has
 * autocannon replace each `[<id>]` in the body with a fresh id per request (JSON-RPC ids must differ). `rate` caps
 * the requests per second over all connections.
 */
export function autocannon(
  url,
  {
    connections = 32,
    seconds = 5,
    method = 'GET',
    body,
    pipelining = 1,
    headers = {},
    idReplacement = false,
    rate,
  } = {},
) {
  const args = [cli, '-j', '-c', String(connections), '-d', String(seconds), '-p', String(pipelining), '-m', method];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  if (idReplacement) args.push('-I');
  if (rate) args.push('-R', String(rate));
  let bodyDir = null;
  if (body !== undefined) {
    // From a file: a command-line argument is limited to 128 KB.
    bodyDir = tmp('body');
    const file = path.join(bodyDir, 'body.json');
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    args.push('-H', 'content-type=application/json', '-i', file);
  }
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => {
      if (bodyDir) rmSync(bodyDir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const r = JSON.parse(out);
      resolve({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        max: r.latency.max,
        requests: r.requests.total,
        bytes: r.throughput.total,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
        statusCodes: r.statusCodeStats ?? {},
      });
    });
  });
}
