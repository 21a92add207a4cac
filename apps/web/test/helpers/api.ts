import type { HealthRecord, ManifestResponse } from '@bastion/protocol';
import { HEALTH_RECORD_KEYS } from '@bastion/protocol';
import { vi } from 'vitest';

type Handler = (req: { method: string; url: URL; body: unknown }) => { status?: number; body: unknown } | unknown;

/**
 * Stubs `fetch` with a route table keyed `METHOD /path` (no query). A handler returns a body (200) or
 * `{status, body}`; unknown routes answer 404 NOT_FOUND like the server. Returns the calls seen.
 */
export function stubApi(routes: Record<string, Handler>): Array<{ method: string; path: string; body: unknown }> {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://bastion.test/');
    const method = (init.method ?? 'GET').toUpperCase();
    let body: unknown = init.body;
    if (typeof body === 'string') body = JSON.parse(body);
    calls.push({ method, path: url.pathname, body });
    const handler = routes[`${method} ${url.pathname}`];
    const out = handler
      ? handler({ method, url, body })
      : {
          status: 404,
          body: { ok: false, error: { code: 'NOT_FOUND', message: `no route ${method} ${url.pathname}` } },
        };
    const isWrapped = typeof out === 'object' && out !== null && 'status' in out && 'body' in out;
    const status = isWrapped ? ((out as { status?: number }).status ?? 200) : 200;
    const payload = isWrapped ? (out as { body: unknown }).body : out;
    return new Response(JSON.stringify(payload), { status, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}

/** A health record with every contract key; override what the test is about. */
export function health(over: Partial<HealthRecord> & { name: string }): HealthRecord {
  const base: HealthRecord = {
    name: over.name,
    version: '1.0.0',
    description: `${over.name} plugin`,
    state: 'INITIALIZED',
    reason: null,
    reason_code: null,
    tools: ['run'],
    uptime_seconds: 12,
    loaded_at: '2026-01-01T00:00:00.000Z',
    last_used: null,
    success_count: 0,
    error_count: 0,
    timeout_count: 0,
    crash_count: 0,
    input_error_count: 0,
    in_flight: 0,
    queue_depth: 0,
    last_execution_time_ms: null,
    avg_execution_time_ms: null,
    p95_execution_time_ms: null,
    memory_peak_mb: null,
    last_error: null,
    requires: { gpu: false, packages: [], binaries: [], models: [] },
    isolation: 'namespace',
    memory_enforcement: 'cgroup',
  };
  const rec = { ...base, ...over };
  // Fail loudly if the protocol's record gained a key this helper does not fill in.
  for (const k of HEALTH_RECORD_KEYS) if (!(k in rec)) throw new Error(`health(): missing key ${k}`);
  return rec;
}

export function manifest(name: string, tools: ManifestResponse['tools']): ManifestResponse {
  return {
    name,
    version: '1.0.0',
    description: `${name} plugin`,
    requires: { gpu: false, packages: ['sharp'], binaries: ['ffmpeg'], network: false, models: [] },
    limits: {
      timeoutMs: 60000,
      jobTimeoutMs: 3600000,
      memoryMb: 1024,
      concurrency: 1,
      maxQueue: 32,
      maxProcesses: 64,
      loadTimeoutMs: 30000,
    },
    tools,
  };
}

export const IMAGE_TOOL_SCHEMA = {
  type: 'object',
  properties: { image: { type: 'string', contentEncoding: 'base64', description: 'The image' } },
  required: ['image'],
};
