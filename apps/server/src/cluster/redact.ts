import { stdSerializers } from 'pino';

/** Longest string an error field keeps in a log line (a Redis error can carry a whole job result or upload). */
const MAX_TEXT = 2000;
/** Longest JSON an object-valued error field may have before it is dropped from the log line. */
const MAX_OBJECT_JSON = 2000;
/** Error fields that hold command arguments (values, passwords) in ioredis and BullMQ errors. */
const ARGUMENT_FIELDS = new Set(['args', 'argv', 'arguments', 'previousErrors', 'lastNodeError']);

/** The queue URL with any password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** Any `redis://user:password@` (or rediss://) inside free text, with the password replaced. */
export function redactText(text: string): string {
  return text.replace(/(rediss?:\/\/[^\s:@/]*:)[^\s@/]*@/gi, '$1***@');
}

function clip(text: string): string {
  const safe = redactText(text);
  return safe.length <= MAX_TEXT
    ? safe
    : `${safe.slice(0, MAX_TEXT)}… (${safe.length - MAX_TEXT} more characters dropped)`;
}

/**
 * The pino `err` serializer: pino's own, then made safe to log. ioredis and BullMQ attach the failed command to
 * their errors (`command: {name, args}`), and the args are whatever was sent: a job's result, every byte of an
 * upload, the password of an AUTH. Only the command's name is kept; argument fields are dropped; strings are
 * clipped and any queue URL password in them is replaced; large nested objects are dropped.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const base = stdSerializers.err(err) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    if (ARGUMENT_FIELDS.has(key)) continue;
    if (key === 'command') {
      const name = (value as { name?: unknown } | null)?.name;
      if (typeof name === 'string') out.command = name;
      continue;
    }
    if (key === 'cause' && value instanceof Error) {
      out.cause = serializeError(value);
      continue;
    }
    if (typeof value === 'string') out[key] = clip(value);
    else if (value === null || typeof value !== 'object') out[key] = value;
    else {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        json = undefined;
      }
      if (json !== undefined && json.length <= MAX_OBJECT_JSON) out[key] = JSON.parse(redactText(json)) as unknown;
      else out[key] = `(${json?.length ?? 'unserialisable'} characters dropped)`;
    }
  }
  return out;
}

/**
 * The command line as `/proc/<pid>/cmdline` should show it: the value of `--queue` (or `--queue=…`) with its
 * password replaced. Every process on the machine, plugin workers included, can read that file.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--queue' && i + 1 < argv.length) {
      out.push(arg, redactUrl(argv[++i] as string));
    } else if (arg.startsWith('--queue=')) {
      out.push(`--queue=${redactUrl(arg.slice('--queue='.length))}`);
    } else out.push(redactText(arg));
  }
  return out;
}
