import { ConfigError } from '../config/load.js';
import { COMMAND_HELP, isCommand, wantsHelp } from './help.js';
import { serve } from './serve.js';

const USAGE = `usage: bastion <command> [options]

commands:
  serve [--port N] [--host H] [--plugins-dir DIR]... [--no-bundled-plugins] [--data-dir DIR]
        [--config FILE] [--keys-file FILE] [--log-level LEVEL] [--insecure]
        [--queue redis://HOST:PORT[/DB]] [--node-id ID]
                               start the server (--queue: join a cluster, docs/cluster.md)
  audit [--url URL] [--json]   check a running server's health contract (exit 1 on errors)
  check-plugin DIR [--json]    check a plugin folder statically and by loading it in a sandbox
  new-plugin NAME [--dir DIR] [--typescript]
                               scaffold a plugin with a test (npm install && npm test in the new folder)
  help [COMMAND]               this text, or a command's own flags (also: bastion COMMAND --help)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (isCommand(command) && wantsHelp(rest)) {
    console.log(COMMAND_HELP[command]);
    return 0;
  }
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'audit':
      return (await import('./audit.js')).audit(rest);
    case 'check-plugin':
      return (await import('./check-plugin.js')).checkPlugin(rest);
    case 'new-plugin':
      return (await import('./new-plugin.js')).newPlugin(rest);
    case 'help':
      if (isCommand(rest[0])) {
        console.log(COMMAND_HELP[rest[0]]);
        return 0;
      }
      console.log(USAGE);
      return 0;
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`bastion: unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(`bastion: ${err.message}`);
    else console.error('bastion:', err);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
