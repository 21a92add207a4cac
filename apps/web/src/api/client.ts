import type {
  ClusterResponse,
  ErrorBody,
  HealthRecord,
  JobInput,
  JobListResponse,
  JobRecord,
  JobStatus,
  JobSubmitResponse,
  ManifestResponse,
  RestartResponse,
  ToolRunResponse,
} from '@bastion/protocol';
import { AUTH_REQUIRED_EVENT, getApiKey } from './settings';

/** Any failure of an API call, in the server's error shape (docs/errors.md). Network failures use NETWORK_ERROR. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DOMException && err.name === 'AbortError')
    return new ApiError('CANCELLED', 'request cancelled', 0);
  return new ApiError('NETWORK_ERROR', err instanceof Error ? err.message : String(err), 0);
}

function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null) return false;
  const e = (v as { error?: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}

interface RequestOptions {
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const key = getApiKey();
  if (key) headers['X-API-Key'] = key;
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, signal: opts.signal, cache: 'no-store' });
  } catch (err) {
    throw toApiError(err);
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = isErrorBody(data)
      ? new ApiError(data.error.code, data.error.message, res.status, data.error.details)
      : new ApiError(
          res.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL_ERROR',
          `HTTP ${res.status} ${res.statusText}`,
          res.status,
        );
    if (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') {
      window.dispatchEvent(new CustomEvent(AUTH_REQUIRED_EVENT, { detail: err.code }));
    }
    throw err;
  }
  return data as T;
}

const enc = encodeURIComponent;

export const listPlugins = (signal?: AbortSignal) => request<HealthRecord[]>('GET', '/v1/plugins', { signal });

export const getManifest = (name: string, signal?: AbortSignal) =>
  request<ManifestResponse>('GET', `/v1/plugins/${enc(name)}/manifest`, { signal });

/** `GET /v1/cluster`, or null from a server without the route (it answers 404 NOT_FOUND). */
export async function getCluster(signal?: AbortSignal): Promise<ClusterResponse | null> {
  try {
    return await request<ClusterResponse>('GET', '/v1/cluster', { signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export const restartPlugin = (name: string) => request<RestartResponse>('POST', `/v1/plugins/${enc(name)}/restart`);

export type RunResponse = ToolRunResponse;

/** Arguments plus files: multipart when there is a file (file parts are binary args), else JSON. */
export interface CallInput {
  args: Record<string, unknown>;
  files: Record<string, File>;
}

function toForm(input: CallInput, extra: Record<string, string> = {}, preview: Blob | null = null): FormData | null {
  const names = Object.keys(input.files);
  if (names.length === 0) return null;
  const form = new FormData();
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append('args', JSON.stringify(input.args));
  for (const name of names) {
    const file = input.files[name]!;
    form.append(name, file, file.name);
  }
  if (preview) form.append('input_preview', preview, 'preview.jpg');
  return form;
}

export function runTool(plugin: string, tool: string, input: CallInput, signal?: AbortSignal): Promise<RunResponse> {
  const path = `/v1/plugins/${enc(plugin)}/tools/${enc(tool)}/run`;
  const form = toForm(input);
  return form
    ? request<RunResponse>('POST', path, { form, signal })
    : request<RunResponse>('POST', path, { json: { args: input.args }, signal });
}

/** Submits a job; `preview` (a small JPEG of the input) is kept with it for `GET /v1/jobs/:id/input`. */
export function submitJob(
  plugin: string,
  tool: string,
  input: CallInput,
  preview: Blob | null = null,
): Promise<JobSubmitResponse> {
  const form = toForm(input, { plugin, tool }, preview);
  return form
    ? request<JobSubmitResponse>('POST', '/v1/jobs', { form })
    : request<JobSubmitResponse>('POST', '/v1/jobs', { json: { plugin, tool, args: input.args } });
}

export interface JobQuery {
  status?: JobStatus | '';
  plugin?: string;
  limit?: number;
  before?: string | null;
}

export function listJobs(q: JobQuery = {}, signal?: AbortSignal): Promise<JobListResponse> {
  const params = new URLSearchParams();
  if (q.status) params.set('status', q.status);
  if (q.plugin) params.set('plugin', q.plugin);
  if (q.limit) params.set('limit', String(q.limit));
  if (q.before) params.set('before', q.before);
  const qs = params.toString();
  return request<JobListResponse>('GET', `/v1/jobs${qs ? `?${qs}` : ''}`, { signal });
}

export const getJob = (id: string, signal?: AbortSignal) =>
  request<JobRecord>('GET', `/v1/jobs/${enc(id)}`, { signal });

export const getJobInput = (id: string, signal?: AbortSignal) =>
  request<JobInput>('GET', `/v1/jobs/${enc(id)}/input`, { signal });

export const cancelJob = (id: string) => request<JobRecord>('DELETE', `/v1/jobs/${enc(id)}`);

/** ws(s)://<this host><path>?…&key=<api key>: browsers cannot set headers on a WebSocket. */
export function wsUrl(path: string, params: Record<string, string> = {}): string {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const key = getApiKey();
  if (key) url.searchParams.set('key', key);
  return url.toString();
}
