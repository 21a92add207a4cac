import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { JobListResponse, JobRecord } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobService } from '../../src/jobs/service.js';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { getJob, http, isFinished, submitJob, waitJob } from './helpers.js';

const JOB_KEYS = [
  'job_id',
  'node',
  'attempts',
  'plugin',
  'tool',
  'status',
  'progress',
  'stage',
  'result',
  'error',
  'created_at',
  'started_at',
  'finished_at',
].sort();
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('jobs: lifecycle over real HTTP', () => {
  let t: TestServer;
  let base: string;
  beforeAll(async () => {
    t = await startTestServer({
      pluginsDirs: [fixtureSubset(['ok', 'hangs-promise', 'throws'])],
      listen: true,
      config: { file: { shutdownGraceMs: 500 } },
    });
    base = t.url;
  });
  afterAll(() => t.close());

  it('runs a JSON job to success with the documented job record', async () => {
    const sub = await submitJob(base, 'ok', 'echo', { text: 'hello' });
    expect(sub.status).toBe(202);
    expect(sub.body).toEqual({ job_id: expect.any(String), status: 'queued' });
    const job = await waitJob(base, sub.body.job_id, isFinished);
    expect(Object.keys(job).sort()).toEqual(JOB_KEYS);
    expect(job).toMatchObject({
      plugin: 'ok',
      tool: 'echo',
      status: 'succeeded',
      progress: 100,
      result: { text: 'hello' },
      error: null,
      node: t.server.identity.id,
      attempts: 1,
    });
    expect(job.created_at).toMatch(ISO);
    expect(job.started_at).toMatch(ISO);
    expect(job.finished_at).toMatch(ISO);
  });

  it('accepts multipart jobs and keeps the upload under the data dir', async () => {
    const form = new FormData();
    form.append('plugin', 'ok');
    form.append('tool', 'bytes');
    form.append('args', JSON.stringify({ label: 'x' }));
    form.append('file', new Blob([new Uint8Array([7, 1, 2, 3, 4])]), 'f.bin');
    const sub = await http<{ job_id: string }>(`${base}/v1/jobs`, { method: 'POST', body: form });
    expect(sub.status).toBe(202);
    const job = await waitJob(base, sub.body.job_id, isFinished);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ bytes: 5, isUint8Array: true, first: 7, label: 'x' });
    expect(readdirSync(path.join(t.dataDir, 'jobs', job.job_id))).toHaveLength(1);
  });

  it('accepts base64 binary args over JSON', async () => {
    const sub = await submitJob(base, 'ok', 'bytes', { file: Buffer.from([9, 9, 9]).toString('base64') });
    const job = await waitJob(base, sub.body.job_id, isFinished);
    expect(job.result).toMatchObject({ bytes: 3, first: 9 });
  });

  it('reports progress and stage while running', async () => {
    const sub = await submitJob(base, 'ok', 'slow', { ms: 3000 });
    const mid = await waitJob(base, sub.body.job_id, (j) => j.status === 'running' && j.progress > 0);
    expect(mid.progress).toBeGreaterThan(0);
    expect(mid.progress).toBeLessThanOrEqual(100);
    expect(mid.stage).toMatch(/^step \d+$/);
    const done = await waitJob(base, sub.body.job_id, isFinished);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, stage: 'step 10', result: { waited: 3000 } });
  });

  it('records a tool error as a failed job', async () => {
    const sub = await submitJob(base, 'throws', 'run', {});
    const job = await waitJob(base, sub.body.job_id, isFinished);
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({ code: 'TOOL_ERROR', message: expect.stringContaining('boom') });
  });

  it('cancels a running job that honours its signal', async () => {
    const sub = await submitJob(base, 'ok', 'slow', { ms: 30_000 });
    await waitJob(base, sub.body.job_id, (j) => j.status === 'running');
    const del = await http<JobRecord>(`${base}/v1/jobs/${sub.body.job_id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    expect(del.body.finished_at).toMatch(ISO);
    // Cancelling again answers the job unchanged.
    const again = await http<JobRecord>(`${base}/v1/jobs/${sub.body.job_id}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('cancelled');
    await expectStillServing(t.server);
  });

  it('cancels a job whose tool ignores the signal: the worker is replaced, the plugin is not failed', async () => {
    const before = t.server.ctx.registry.health('hangs-promise');
    const sub = await submitJob(base, 'hangs-promise', 'run', {});
    await waitJob(base, sub.body.job_id, (j) => j.status === 'running');
    const del = await http<JobRecord>(`${base}/v1/jobs/${sub.body.job_id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    const health = t.server.ctx.registry.health('hangs-promise');
    expect(health?.state).not.toBe('FAILED');
    expect(health?.crash_count).toBe(before?.crash_count);
    expect(health?.timeout_count).toBe(before?.timeout_count);
    // The replacement worker takes the next job.
    const next = await submitJob(base, 'hangs-promise', 'run', {});
    expect(next.status).toBe(202);
    await waitJob(base, next.body.job_id, (j) => j.status === 'running');
    expect((await http(`${base}/v1/jobs/${next.body.job_id}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('cancels a queued job at once and refuses to cancel a finished one', async () => {
    const first = await submitJob(base, 'ok', 'slow', { ms: 30_000 });
    const second = await submitJob(base, 'ok', 'echo', { text: 'never' });
    await waitJob(base, first.body.job_id, (j) => j.status === 'running');
    expect((await getJob(base, second.body.job_id)).status).toBe('queued');
    const del = await http<JobRecord>(`${base}/v1/jobs/${second.body.job_id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({
      status: 'cancelled',
      started_at: null,
      result: null,
      error: { code: 'CANCELLED' },
    });
    expect((await http(`${base}/v1/jobs/${first.body.job_id}`, { method: 'DELETE' })).status).toBe(200);

    const done = await submitJob(base, 'ok', 'echo', { text: 'done' });
    await waitJob(base, done.body.job_id, isFinished);
    const late = await http(`${base}/v1/jobs/${done.body.job_id}`, { method: 'DELETE' });
    expect(late.status).toBe(400);
    expect(late.body.error?.code).toBe('BAD_REQUEST');
    expect((await getJob(base, done.body.job_id)).status).toBe('succeeded');
  });

  it('answers bad submissions and unknown jobs with coded errors', async () => {
    const cases: Array<[RequestInit, number, string]> = [
      [{ body: JSON.stringify({ tool: 'echo', args: {} }) }, 400, 'BAD_REQUEST'],
      [{ body: JSON.stringify({ plugin: 'ok', tool: 'echo', args: { text: 5 } }) }, 400, 'INVALID_INPUT'],
      [{ body: JSON.stringify({ plugin: 'ok', tool: 'echo', args: [] }) }, 400, 'INVALID_INPUT'],
      [{ body: JSON.stringify({ plugin: 'nope', tool: 'echo', args: {} }) }, 404, 'PLUGIN_NOT_FOUND'],
      [{ body: JSON.stringify({ plugin: 'ok', tool: 'nope', args: {} }) }, 404, 'TOOL_NOT_FOUND'],
      [{ body: JSON.stringify({ plugin: 'ok', tool: 'bytes', args: { file: '%%%' } }) }, 400, 'INVALID_INPUT'],
      [{ body: '{"plugin": "ok", ' }, 400, 'BAD_REQUEST'],
      [{ body: '[1,2]' }, 400, 'BAD_REQUEST'],
      [{ body: '{"plugin":"ok","tool":"echo","args":{"__proto__":{"x":1}}}' }, 400, 'BAD_REQUEST'],
    ];
    for (const [init, status, code] of cases) {
      const res = await http(`${base}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...init,
      });
      expect([init.body, res.status, res.body.error?.code]).toEqual([init.body, status, code]);
    }
    const text = await http(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect([text.status, text.body.error?.code]).toEqual([400, 'BAD_REQUEST']);
    for (const id of ['nope', '00000000-0000-0000-0000-000000000000', '..%2F..%2Fetc']) {
      const get = await http(`${base}/v1/jobs/${id}`);
      expect([id, get.status, get.body.error?.code]).toEqual([id, 404, 'JOB_NOT_FOUND']);
      const del = await http(`${base}/v1/jobs/${id}`, { method: 'DELETE' });
      expect([id, del.status, del.body.error?.code]).toEqual([id, 404, 'JOB_NOT_FOUND']);
    }
  });

  it('lists jobs newest first with filters and cursor paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submitJob(base, 'ok', 'echo', { text: `page ${i}` })).body.job_id);
    for (const id of ids) await waitJob(base, id, isFinished);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `status=succeeded&plugin=ok&limit=2${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`;
      const res = await http<JobListResponse>(`${base}/v1/jobs?${q}`);
      expect(res.status).toBe(200);
      expect(res.body.jobs.length).toBeLessThanOrEqual(2);
      for (const j of res.body.jobs) {
        expect(j).toMatchObject({ status: 'succeeded', plugin: 'ok' });
        seen.push(j.job_id);
      }
      cursor = res.body.next_before;
      pages++;
    } while (cursor && pages < 100);
    // Newest first: the five just made come first, in reverse order of submission.
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const all = await http<JobListResponse>(`${base}/v1/jobs?limit=100`);
    expect(all.body.next_before).toBeNull();
    expect(all.body.jobs.filter((j) => j.status === 'succeeded' && j.plugin === 'ok').map((j) => j.job_id)).toEqual(
      seen,
    );
    const def = await http<JobListResponse>(`${base}/v1/jobs`);
    expect(def.body.jobs.length).toBeLessThanOrEqual(20);
    const cancelled = await http<JobListResponse>(`${base}/v1/jobs?status=cancelled`);
    expect(cancelled.body.jobs.every((j) => j.status === 'cancelled')).toBe(true);
    const none = await http<JobListResponse>(`${base}/v1/jobs?plugin=nobody`);
    expect(none.body).toEqual({ jobs: [], next_before: null });

    for (const q of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'status=done',
      'before=xyz',
      'before=',
      'status=queued&status=running',
    ]) {
      const res = await http(`${base}/v1/jobs?${q}`);
      expect([q, res.status, res.body.error?.code]).toEqual([q, 400, 'BAD_REQUEST']);
    }
  });

  it('removes finished jobs and their uploads after the retention period', async () => {
    const sub = await submitJob(base, 'ok', 'bytes', { file: Buffer.from('abc').toString('base64') });
    await waitJob(base, sub.body.job_id, isFinished);
    const dir = path.join(t.dataDir, 'jobs', sub.body.job_id);
    expect(existsSync(dir)).toBe(true);
    const jobs = t.server.jobs;
    if (!(jobs instanceof JobService)) throw new Error('standalone mode uses the SQLite job service');
    expect(jobs.sweep(Date.now())).toBe(0); // nothing is 168 h old yet
    expect(jobs.sweep(Date.now() + 169 * 3_600_000)).toBeGreaterThan(0);
    expect(existsSync(dir)).toBe(false);
    expect((await http(`${base}/v1/jobs/${sub.body.job_id}`)).status).toBe(404);
  });
});
