// A loopback OTLP/HTTP receiver that accepts and discards trace exports, run as its own process so that taking the
// exports costs the measured server nothing but the sending. Prints its URL, then counts spans until SIGTERM.
import { createServer } from 'node:http';

let spans = 0;
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    spans += (body.match(/"spanId"/g) ?? []).length;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
// Dies with the benchmark that started it, even when that one fails: its stdin closes.
process.stdin.on('end', () => process.exit(0)).resume();
process.on('SIGTERM', () => {
  console.log(`spans ${spans}`);
  process.exit(0);
});
