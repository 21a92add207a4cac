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

/** The config file (`--config FILE`). */
export const configFileSchema = z
  .object({
    restartPolicy: z.enum(['never', 'on-failure']).default('never'),
    plugins: z.record(z.string(), pluginOverridesSchema).default({}),
    maxUploadMb: positiveInt.default(200),
    maxResultMb: positiveInt.default(16),
    jobRetentionHours: z.number().positive().default(168),
    /** Jobs waiting in the queue (all plugins) before POST /v1/jobs answers PLUGIN_BUSY. */
    maxQueuedJobs: positiveInt.default(1000),
    /** Largest /v1/stream frame accepted; bigger ones get a PAYLOAD_TOO_LARGE message (the connection stays). */
    maxFrameMb: positiveInt.default(8),
    /** WebSocket heartbeat: a ping every this many ms; a client that misses one whole interval is dropped. */
    wsHeartbeatMs: positiveInt.default(30_000),
    shutdownGraceMs: z.number().int().min(0).default(10_000),
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
  /** Sandbox strength; `auto` uses namespaces where the OS allows them. */
  isolation: z.enum(['auto', 'namespace', 'process']).default('auto'),
  file: configFileSchema.default(configFileSchema.parse({})),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;
