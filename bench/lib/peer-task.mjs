// The Piscina task of the peer benchmarks: the same trivial handler Bastion's fixture plugin 'ok' runs.
import plugin from '../../apps/server/test/fixtures/plugins/ok/index.js';

const echo = plugin.tools.echo.handler;
export default (args) => echo(args);
