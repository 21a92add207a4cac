// The Piscina task of the peer benchmarks: the same trivial handler Bastion's fixture plugin 'ok' runs.
import plugin from '../../apps/server/test/fixtures/plugins/ok/index.js';

const { echo, bytes } = plugin.tools;
/** `{ tool: 'bytes', args }` runs the binary-input tool; anything else is the echo tool's args. */
export default (task) => (task.tool === 'bytes' ? bytes.handler(task.args) : echo.handler(task));
