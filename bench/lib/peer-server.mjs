// The peer of the HTTP benchmarks, run in its own process: fastify handing each call to a Piscina pool, and a
// route sending a constant body. Prints `listening on URL`.
//   node bench/lib/peer-server.mjs THREADS [CONSTANT_BODY_FILE]
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { Piscina } from 'piscina';

const threads = Number(process.argv[2] ?? 2);
const constant = process.argv[3] ? readFileSync(process.argv[3]) : Buffer.from('[]');
const pool = new Piscina({
  filename: new URL('./peer-task.mjs', import.meta.url).href,
  minThreads: threads,
  maxThreads: threads,
});
const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
// The same reply envelope as Bastion's run route.
app.post('/run', async (req) => {
  const t = performance.now();
  const result = await pool.run(req.body.args);
  return { ok: true, plugin: 'ok', tool: 'echo', result, execution_time_ms: performance.now() - t };
});
// A binary argument as Bastion takes it over JSON: base64, decoded, handed to a thread.
app.post('/bytes', async (req) => {
  const t = performance.now();
  const file = Buffer.from(req.body.args.file, 'base64');
  const result = await pool.run({ tool: 'bytes', args: { file } });
  return { ok: true, plugin: 'ok', tool: 'bytes', result, execution_time_ms: performance.now() - t };
});
app.get('/constant', (_req, reply) => reply.type('application/json; charset=utf-8').send(constant));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening on ${url}\n`);
process.once('SIGTERM', () =>
  app
    .close()
    .then(() => pool.destroy())
    .then(() => process.exit(0)),
);
