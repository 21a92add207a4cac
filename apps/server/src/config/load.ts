import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { deepFreeze } from './freeze.js';
import { configFileSchema, serverConfigSchema, type ServerConfig } from './schema.js';

/** Every problem found in flags, environment and config file, reported together. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function issuesOf(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((i) => `${prefix}${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'plugins-dir': { type: 'string', multiple: true },
  'no-bundled-plugins': { type: 'boolean' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  'keys-file': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'access-log': { type: 'boolean' },
  otel: { type: 'boolean' },
  insecure: { type: 'boolean' },
  isolation: { type: 'string' },
  'allowed-origin': { type: 'string', multiple: true },
  'allowed-host': { type: 'string', multiple: true },
  queue: { type: 'string' },
  'node-id': { type: 'string' },
  watch: { type: 'boolean' },
} as const;

function toInt(value: string | undefined, name: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    problems.push(`${name}: expected a whole number, got '${value}'`);
    return undefined;
  }
  return Number(value);
}

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function toBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return !['0', 'false', 'no', 'off'].includes(value.toLowerCase());
}

/**
 * Builds the server configuration from `bastion serve` flags, BASTION_* environment variables and the config
 * file, in that order of precedence, then validates it once and freezes it (deeply). Throws {@link ConfigError}
 * listing every problem.
 */
export function loadServeConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
  let flags: ReturnType<typeof parseArgs<{ options: typeof SERVE_OPTIONS; strict: true; args: string[] }>>['values'];
  try {
    flags = parseArgs({ args: argv, options: SERVE_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }

  const configPath = flags.config ?? (env.BASTION_CONFIG || undefined);
  let file: unknown = undefined;
  if (configPath) {
    try {
      file = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (err) {
      problems.push(`config file ${configPath}: ${(err as Error).message}`);
    }
  }
  let parsedFile;
  if (file !== undefined) {
    const result = configFileSchema.safeParse(file);
    if (result.success) parsedFile = result.data;
    else problems.push(...issuesOf(result.error, `config file ${configPath}: `));
  }

  let hashedKeys: unknown = undefined;
  const keysFile = flags['keys-file'] ?? (env.BASTION_KEYS_FILE || undefined);
  if (keysFile) {
    try {
      hashedKeys = JSON.parse(readFileSync(keysFile, 'utf8'));
    } catch (err) {
      problems.push(`keys file ${keysFile}: ${(err as Error).message}`);
    }
  }

  const envDirs = env.BASTION_PLUGINS_DIR ? env.BASTION_PLUGINS_DIR.split(':').filter(Boolean) : [];
  const input = {
    port: toInt(flags.port, '--port', problems) ?? toInt(env.BASTION_PORT, 'BASTION_PORT', problems),
    host: flags.host ?? (env.BASTION_HOST || undefined),
    pluginsDirs: flags['plugins-dir'] ?? envDirs,
    bundledPlugins: flags['no-bundled-plugins'] ? false : toBool(env.BASTION_BUNDLED_PLUGINS),
    dataDir: flags['data-dir'] ?? (env.BASTION_DATA_DIR || undefined),
    logLevel: flags['log-level'] ?? (env.BASTION_LOG_LEVEL || undefined),
    logFormat: flags['log-format'] ?? (env.BASTION_LOG_FORMAT || null),
    accessLog: flags['access-log'] ?? toBool(env.BASTION_ACCESS_LOG),
    otel: flags.otel ?? toBool(env.BASTION_OTEL),
    insecure: flags.insecure ?? toBool(env.BASTION_INSECURE),
    adminKey: env.BASTION_ADMIN_KEY || null,
    userKey: env.BASTION_USER_KEY || null,
    hashedKeys,
    protectHealth: toBool(env.BASTION_PROTECT_HEALTH),
    isolation: flags.isolation ?? (env.BASTION_ISOLATION || undefined),
    watch: flags.watch ?? toBool(env.BASTION_WATCH),
    // Allow-lists add up: the config file's, the environment's and the flags' entries all apply.
    allowedOrigins: [...commaList(env.BASTION_ALLOWED_ORIGINS), ...(flags['allowed-origin'] ?? [])],
    allowedHosts: [...commaList(env.BASTION_ALLOWED_HOSTS), ...(flags['allowed-host'] ?? [])],
    nodeId: flags['node-id'] ?? (env.BASTION_NODE_ID || null),
    queueUrl: flags.queue ?? (env.BASTION_QUEUE_URL || parsedFile?.queue.url || null),
    file: parsedFile,
  };
  const result = serverConfigSchema.safeParse(input);
  if (!result.success) problems.push(...issuesOf(result.error, ''));
  const config = result.success ? result.data : undefined;
  if (config) problems.push(...checkBinding(config));
  if (problems.length || !config) throw new ConfigError(problems);
  return deepFreeze(config);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/** Without keys the server only binds to loopback, unless the operator says --insecure. */
export function checkBinding(config: ServerConfig): string[] {
  if (hasKeys(config) || config.insecure || LOOPBACK.test(config.host)) return [];
  return [
    `--host ${config.host}: no API keys are configured, so Bastion only binds to loopback; ` +
      'set BASTION_ADMIN_KEY/BASTION_USER_KEY or BASTION_KEYS_FILE, or pass --insecure',
  ];
}

export function hasKeys(config: ServerConfig): boolean {
  return Boolean(config.adminKey || config.userKey || config.hashedKeys.length);
}
