/**
 * A short "what to do" per error code (from docs/errors.md), shown under every error the UI displays.
 * Codes are strings here on purpose: a newer server may send codes this build does not know yet.
 */
const HINTS: Record<string, string> = {
  BAD_REQUEST: 'The request was malformed. Check the values in the form.',
  INVALID_INPUT: 'Some arguments do not match the tool’s input schema; fix each listed field.',
  UNAUTHORIZED: 'This server needs an API key. Set one with the key button in the header.',
  FORBIDDEN: 'Your key’s role may not do this; restarting plugins needs the admin key.',
  PLUGIN_NOT_FOUND: 'No plugin with that name. Refresh the plugin list.',
  TOOL_NOT_FOUND: 'The plugin has no such tool. Pick one from the list.',
  JOB_NOT_FOUND: 'No such job; it may have expired.',
  NOT_FOUND: 'Unknown route. See /openapi.json.',
  PAYLOAD_TOO_LARGE: 'The upload is over the server’s limit; send a smaller file or raise maxUploadMb.',
  TOOL_ERROR: 'The tool itself reported this error; fix the input it complains about. The plugin is still available.',
  INVALID_OUTPUT: 'The plugin returned a result it should not have (a plugin bug). The plugin is still available.',
  PLUGIN_CRASHED: 'The plugin’s worker crashed; check the server log, then restart the plugin.',
  PLUGIN_MEMORY_LIMIT: 'The plugin ran out of memory; send smaller input or raise memoryMb, then restart it.',
  PLUGIN_UNAVAILABLE: 'A requirement of the plugin is missing; follow its reason on the Plugins page, then restart it.',
  PLUGIN_FAILED: 'The plugin has failed; follow its reason on the Plugins page, then restart it.',
  PLUGIN_BUSY: 'The plugin’s queue is full; retry in a moment or raise concurrency/maxQueue.',
  PLUGIN_TIMEOUT: 'The call took too long and was stopped; send smaller work, run it as a job, or raise the limit.',
  INTERNAL_ERROR: 'A bug in Bastion itself; please report it with the server log line.',
  MANIFEST_INVALID: 'Fix what the reason lists in the plugin’s package.json; `bastion check-plugin DIR` checks it.',
  IMPORT_ERROR: 'The plugin module failed to import; run `bastion check-plugin DIR` to see why.',
  INIT_ERROR: 'The plugin’s init() failed, often a model that did not load.',
  VALIDATION_ERROR: 'The plugin’s self-test failed; the reason says why.',
  LOAD_TIMEOUT: 'Loading took too long; raise limits.loadTimeoutMs or make init() faster.',
  LOAD_CRASHED: 'The worker died while loading; `bastion check-plugin DIR` shows its output.',
  DEPENDENCY_MISSING: 'Run the npm install the reason names, in the plugin folder, then restart.',
  BINARY_MISSING: 'Install the missing program (e.g. apt-get install ffmpeg), then restart.',
  MODEL_MISSING: 'A model file is missing; follow the model hint, then restart.',
  MODEL_CORRUPT: 'A model file is damaged; replace it with a good copy, then restart.',
  GPU_UNAVAILABLE: 'Needs an NVIDIA GPU; run on a GPU machine or set allowCpu: true for it in the config file.',
  GPU_DRIVER_ERROR: 'The GPU driver is broken; reinstall or repair the NVIDIA driver.',
  DISABLED: 'Disabled in the config file; set enabled: true and restart.',
  HOST_RESTARTED: 'The server stopped while this job ran; submit it again.',
  CANCELLED: 'The job was cancelled.',
  NETWORK_ERROR: 'Could not reach the Bastion server. Is it running?',
};

export function errorHint(code: string | null | undefined): string | null {
  if (!code) return null;
  if (Object.hasOwn(HINTS, code)) return HINTS[code] ?? null;
  return null;
}

/** Codes that mean "set or change your API key". */
export function isAuthError(code: string | null | undefined): boolean {
  return code === 'UNAUTHORIZED' || code === 'FORBIDDEN';
}

/** One problem of an INVALID_INPUT error's details, if the details have the documented `{path, message}` shape. */
export interface DetailLine {
  path: string;
  message: string;
}

export function detailLines(details: unknown): DetailLine[] {
  if (!Array.isArray(details)) return [];
  const out: DetailLine[] = [];
  for (const d of details) {
    if (d && typeof d === 'object') {
      const o = d as Record<string, unknown>;
      const path = typeof o.path === 'string' ? o.path : typeof o.instancePath === 'string' ? o.instancePath : '';
      const message = typeof o.message === 'string' ? o.message : JSON.stringify(d);
      out.push({ path: path || '/', message });
    } else if (typeof d === 'string') {
      out.push({ path: '/', message: d });
    }
  }
  return out;
}
