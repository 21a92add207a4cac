import type { Limits } from '@bastion/protocol';
import { DEFAULT_LIMITS } from '../config/defaults.js';
import type { PluginOverrides } from '../config/schema.js';
import type { Manifest } from './manifest.js';

/** A plugin's effective limits: the operator's override wins over the manifest, which wins over the defaults. */
export function resolveLimits(manifest: Manifest | null, overrides: Partial<PluginOverrides> | undefined): Limits {
  const pick = (k: keyof Limits): number => overrides?.[k] ?? manifest?.limits[k] ?? DEFAULT_LIMITS[k];
  return {
    timeoutMs: pick('timeoutMs'),
    jobTimeoutMs: pick('jobTimeoutMs'),
    memoryMb: pick('memoryMb'),
    concurrency: pick('concurrency'),
    maxQueue: pick('maxQueue'),
    loadTimeoutMs: pick('loadTimeoutMs'),
    maxProcesses: pick('maxProcesses'),
  };
}
