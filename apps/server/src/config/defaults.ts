import type { Limits } from '@bastion/protocol';

/** Plugin limits when neither the manifest nor the operator sets them (the plugin format, docs/plugin-authoring.md). */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  timeoutMs: 60_000,
  jobTimeoutMs: 3_600_000,
  memoryMb: 1024,
  concurrency: 1,
  maxQueue: 32,
  loadTimeoutMs: 30_000,
  maxProcesses: 64,
});
