import type { ErrorCode } from '@bastion/protocol';

/**
 * Codes the UI itself produces (the browser, not the server, failed). Kept apart from the server's registry so
 * the server's table below stays exactly `ErrorCode`.
 */
export type ClientErrorCode =
  'NETWORK_ERROR' | 'INSECURE_CONTEXT' | 'CAMERA_DENIED' | 'NO_CAMERA' | 'CAMERA_BUSY' | 'CAMERA_ERROR';

/**
 * One "what to do" per server error code (docs/errors.md). Typed by the registry: a code added to
 * `@bastion/protocol` without a line here fails the typecheck.
 */
const SERVER_HINTS: Record<ErrorCode, string> = {
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
  QUEUE_UNAVAILABLE: 'This node cannot reach the job queue (Redis); check that Redis is up. Direct runs still work.',
  PLUGIN_TIMEOUT: 'The call took too long and was stopped; send smaller work, run it as a job, or raise the limit.',
  SHUTTING_DOWN: 'The server is stopping; try again once it is back (or on another instance).',
  STARTING: 'The server is still loading its plugins; wait a moment and try again.',
  INTERNAL_ERROR: 'A bug in Bastion itself; please report it with the server log line.',
  MANIFEST_INVALID: 'Fix what the reason lists in the plugin’s package.json; `bastion check-plugin DIR` checks it.',
  OPTIONS_INVALID: 'Fix the plugin’s options in the config file as the reason lists, then restart the plugin.',
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
};

const CLIENT_HINTS: Record<ClientErrorCode, string> = {
  NETWORK_ERROR: 'Could not reach the Bastion server. Is it running?',
  INSECURE_CONTEXT: 'Open the UI over https:// or on localhost; browsers allow the camera only there.',
  CAMERA_DENIED: 'Allow the camera for this site in the browser’s settings, then press Start camera again.',
  NO_CAMERA: 'Connect a camera, or pick another one in the Camera list.',
  CAMERA_BUSY: 'Close the other application using the camera, then try again.',
  CAMERA_ERROR: 'Try another camera or reload the page.',
};

/** What to do about an error, or null for a code this build does not know (a newer server's). */
export function errorHint(code: string | null | undefined): string | null {
  if (!code) return null;
  if (Object.hasOwn(SERVER_HINTS, code)) return (SERVER_HINTS as Record<string, string>)[code] ?? null;
  if (Object.hasOwn(CLIENT_HINTS, code)) return (CLIENT_HINTS as Record<string, string>)[code] ?? null;
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
