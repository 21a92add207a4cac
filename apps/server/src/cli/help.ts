/** Each command's `--help` text: its synopsis and its own flags (printed with exit 0). */
export const COMMAND_HELP = {
  serve: `usage: bastion serve [options]

Starts the server with the bundled plugins and those in --plugins-dir; prints 'listening on URL'.
SIGINT/SIGTERM stop it cleanly. Every flag also has an environment variable (docs/configuration.md).

options:
  --port N                 port to listen on; 0 picks a free one (BASTION_PORT, default 8000)
  --host H                 address to bind (BASTION_HOST, default 127.0.0.1)
  --plugins-dir DIR        a folder of plugin folders; repeatable (BASTION_PLUGINS_DIR, ':'-separated)
  --no-bundled-plugins     serve only the --plugins-dir plugins (BASTION_BUNDLED_PLUGINS=0)
  --data-dir DIR           job store and state (BASTION_DATA_DIR, default ./.bastion)
  --config FILE            JSON config file: limits and options per plugin (BASTION_CONFIG)
  --keys-file FILE         hashed API keys (BASTION_KEYS_FILE)
  --log-level LEVEL        fatal, error, warn, info, debug, trace or silent (BASTION_LOG_LEVEL, default info)
  --insecure               allow a non-loopback --host without API keys (BASTION_INSECURE)
  --isolation MODE         worker isolation: auto, namespace or process (BASTION_ISOLATION)
  --allowed-origin ORIGIN  a browser origin allowed besides the server's own; repeatable
  --allowed-host HOST      a Host header allowed besides loopback names and the bound address; repeatable
  --queue URL              join a cluster through Redis, e.g. redis://127.0.0.1:6379 (BASTION_QUEUE_URL)
  --node-id ID             this node's id in a cluster (BASTION_NODE_ID)
  --watch                  development: restart a plugin when its files change, after its calls in
                           flight (BASTION_WATCH=1)
  -h, --help               show this help`,
  audit: `usage: bastion audit [--url URL] [--json]

Checks a running server's health contract: states valid, list and detail agree, detail answers only 200/404,
required fields present. Exit 1 when the contract is broken, 0 otherwise (warnings included).

options:
  --url URL     the server (default http://127.0.0.1:$BASTION_PORT or :8000); the key comes from
                BASTION_ADMIN_KEY or BASTION_USER_KEY
  --json        print the findings as JSON
  -h, --help    show this help`,
  'check-plugin': `usage: bastion check-plugin DIR [--json]

Checks a plugin folder as the server would: the manifest, its requirements (packages, binaries, models, GPU),
then loads it once in the sandbox. Exit 1 when the server would not make it available.

options:
  --json        print the stages as JSON
  -h, --help    show this help`,
  'new-plugin': `usage: bastion new-plugin NAME [--dir DIR] [--typescript]

Scaffolds a plugin folder DIR/NAME with a tool, a test and the SDK and testkit wired in; then
'cd DIR/NAME && npm install && npm test'. NAME must match ^[a-z0-9][a-z0-9_-]{0,63}$.

options:
  --dir DIR       where to create the folder (default: the current folder)
  --typescript    a TypeScript plugin (tsconfig, build to dist/, types inferred from the schemas)
  -h, --help      show this help`,
} as const;

export type CommandName = keyof typeof COMMAND_HELP;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMAND_HELP, name);
}

/** True when the arguments ask for help (`-h`/`--help` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
