import { z } from 'zod';
import { LimitsSchema } from '@bastion/protocol';

const positiveInt = z.number().int().positive();

/** Plugin limits as a manifest or the operator may set them; unset ones fall back (DEFAULT_LIMITS). */
export const limitsShape = LimitsSchema.partial().shape;

/** Operator overrides for one plugin (config file `plugins.<id>`); the operator's value wins over the manifest. */
export const pluginOverridesSchema = z
  .object({
    ...limitsShape,
    enabled: z.boolean().default(true),
    allowCpu: z.boolean().default(false),
    /** Free-form settings handed to the plugin as `ctx.config`. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type PluginOverrides = z.infer<typeof pluginOverridesSchema>;

/** `redis://[:password@]HOST:PORT[/DB]` (or `rediss://` for TLS): the queue of cluster mode. */
export const queueUrlSchema = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not a URL; expected redis://HOST:PORT[/DB]` });
    return;
  }
  const problem =
    url.protocol !== 'redis:' && url.protocol !== 'rediss:'
      ? `scheme '${url.protocol}' is not redis: or rediss:`
      : !url.hostname
        ? 'no host'
        : !/^(\/\d{0,2})?$/.test(url.pathname)
          ? `path '${url.pathname}' is not a database number (/0 to /99)`
          : null;
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; expected redis://HOST:PORT[/DB]` });
});

/** Cluster mode (config file `queue`, docs/cluster.md). Without a `url` the server runs standalone. */
export const queueSchema = z
  .object({
    url: queueUrlSchema.nullable().default(null),
    /** Redis key prefix: nodes with the same prefix (and Redis) form one cluster. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (1-64)')
      .default('bastion'),
    /** How often nodes look for jobs whose node stopped renewing their lock (a dead node), in ms. */
    stalledIntervalMs: positiveInt.min(100).default(30_000),
    /** How often a node announces itself; a node silent for 3 beats leaves `GET /v1/cluster`. */
    heartbeatMs: positiveInt.min(100).default(5_000),
    /** A folder every node can read and write (NFS, object-store mount) for job inputs too large for Redis. */
    sharedDir: z.string().min(1).nullable().default(null),
    /** Job inputs up to this size (all binary args together) are kept in Redis; larger ones need `sharedDir`. */
    maxInlineInputMb: z.number().min(0).max(256).default(8),
    /** Extra attempts for a job whose plugin failed (crash, timeout, memory limit, TOOL_ERROR); 0 = fail at once. */
    pluginFailureRetries: z.number().int().min(0).max(10).default(0),
    /** Node deaths one job may survive before it fails with HOST_RESTARTED. */
    maxNodeDeaths: z.number().int().min(0).max(100).default(3),
  })
  .strict();
export type QueueSettings = z.infer<typeof queueSchema>;

/** An origin as browsers send it: `http(s)://host[:port]`, no path (the Origin check, docs/security.md). */
export const originSchema = z
  .string()
  .regex(/^https?:\/\/[^/?#@\s]+\/?$/i, 'must be an origin like https://app.example.com or http://10.0.0.5:3000')
  .refine((value) => URL.canParse(value), 'must be an origin like https://app.example.com')
  .transform((value) => new URL(value).origin);

/** A host name or IP address a client may use in `Host` (the DNS-rebinding check); no port. */
export const hostNameSchema = z
  .string()
  .regex(
    /^(\[[0-9a-f:.]+\]|[0-9a-f:.]+|[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?)$/i,
    'must be a host name or an IP address, without a port',
  )
  .transform((value) => value.toLowerCase());

/** The config file (`--config FILE`). */
export const configFileSchema = z
  .object({
    restartPolicy: z.enum(['never', 'on-failure']).default('never'),
    plugins: z.record(z.string(), pluginOverridesSchema).default({}),
    maxUploadMb: positiveInt.default(200),
    /** In UTF-8 bytes of the result's JSON; at most 256 MB, well below V8's longest string (a result is one). */
    maxResultMb: positiveInt.max(256).default(16),
    jobRetentionHours: z.number().positive().default(168),
    /** Jobs waiting in the queue (all plugins) before POST /v1/jobs answers PLUGIN_BUSY. */
    maxQueuedJobs: positiveInt.default(1000),
    /** Largest /v1/stream frame accepted; bigger ones get a PAYLOAD_TOO_LARGE message (the connection stays). */
    maxFrameMb: positiveInt.default(8),
    /** WebSocket heartbeat: a ping every this many ms; a client that misses one whole interval is dropped. */
    wsHeartbeatMs: positiveInt.default(30_000),
    shutdownGraceMs: z.number().int().min(0).default(10_000),
    /** Origins besides the server's own whose pages may call the API (CORS is answered for them). */
    allowedOrigins: z.array(originSchema).default([]),
    /** Names besides loopback and the bound address that clients may reach the server at (`Host`). */
    allowedHosts: z.array(hostNameSchema).default([]),
    /** A client must send its request headers within this time (slow-loris), in ms. */
    headersTimeoutMs: positiveInt.min(1000).default(30_000),
    /** A client must send its whole request, body included, within this time (slow uploads), in ms. */
    requestTimeoutMs: positiveInt.min(1000).default(300_000),
    /** An idle keep-alive connection is closed after this time, in ms. */
    keepAliveTimeoutMs: positiveInt.default(5_000),
    queue: queueSchema.default(queueSchema.parse({})),
  })
  .strict();
export type ConfigFile = z.infer<typeof configFileSchema>;

/** Everything the server runs with, after flags, environment, config file and defaults are merged. */
export const serverConfigSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8000),
  host: z.string().min(1).default('127.0.0.1'),
  pluginsDirs: z.array(z.string().min(1)).default([]),
  bundledPlugins: z.boolean().default(true),
  dataDir: z.string().min(1).default('./.bastion'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  insecure: z.boolean().default(false),
  adminKey: z.string().min(8).nullable().default(null),
  userKey: z.string().min(8).nullable().default(null),
  protectHealth: z.boolean().default(false),
  /** Hashed keys (`BASTION_KEYS_FILE`): `[{"role": "admin" | "user", "sha256": "<hex of the key>"}]`. */
  hashedKeys: z
    .array(
      z
        .object({
          role: z.enum(['admin', 'user']),
          sha256: z.string().regex(/^[a-f0-9]{64}$/i, 'must be 64 hex digits'),
        })
        .strict(),
    )
    .default([]),
  /** `--allowed-origin` / BASTION_ALLOWED_ORIGINS, added to the config file's `allowedOrigins`. */
  allowedOrigins: z.array(originSchema).default([]),
  /** `--allowed-host` / BASTION_ALLOWED_HOSTS, added to the config file's `allowedHosts`. */
  allowedHosts: z.array(hostNameSchema).default([]),
  /** `serve --watch` (development): restart a plugin when its files change, after its calls in flight. */
  watch: z.boolean().default(false),
  /** Sandbox strength; `auto` uses namespaces where the OS allows them. */
  isolation: z.enum(['auto', 'namespace', 'process']).default('auto'),
  /** `--node-id`: this node's name in a cluster (default `<hostname>:<port>`). */
  nodeId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, ., _, : and - only (at most 128)')
    .nullable()
    .default(null),
  /** `--queue`: cluster mode's Redis (wins over the config file's `queue.url`); null = standalone. */
  queueUrl: queueUrlSchema.nullable().default(null),
  file: configFileSchema.default(configFileSchema.parse({})),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;
