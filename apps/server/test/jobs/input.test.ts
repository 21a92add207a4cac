import { JobInputSchema, JOB_PREVIEW_MAX_BYTES, type JobInput } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';
import { http, isFinished, submitJob, waitJob } from './helpers.js';

/** A 1×1 PNG: what a client's preview looks like to the server (any PNG, JPEG or WebP bytes). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

function jobForm(preview?: Blob): FormData {
  const form = new FormData();
  form.append('plugin', 'ok');
  form.append('tool', 'bytes');
  form.append('args', JSON.stringify({ label: 'street' }));
  form.append('file', new Blob([new Uint8Array([7, 1, 2, 3, 4])], { type: 'image/jpeg' }), 'street.jpg');
  if (preview) form.append('input_preview', preview, 'preview.png');
  return form;
}

describe('jobs: what a job ran on (GET /v1/jobs/:id/input)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])], listen: true });
  });
  afterAll(() => t.close());

  it('keeps the file name, type, size, the other args and the preview of a multipart job', async () => {
    const sub = await http<{ job_id: string }>(`${t.url}/v1/jobs`, {
      method: 'POST',
      body: jobForm(new Blob([PNG], { type: 'image/png' })),
    });
    expect(sub.status).toBe(202);
    const job = await waitJob(t.url, sub.body.job_id, isFinished);
    // The preview is not an argument: the tool saw only its own args.
    expect(job.result).toEqual({ bytes: 5, isUint8Array: true, first: 7, label: 'street' });
    const res = await http<JobInput>(`${t.url}/v1/jobs/${job.job_id}/input`);
    expect(res.status).toBe(200);
    const input = JobInputSchema.parse(res.body);
    expect(input).toMatchObject({
      job_id: job.job_id,
      kept: true,
      args: { label: 'street' },
      files: [{ arg: 'file', name: 'street.jpg', content_type: 'image/jpeg', size_bytes: 5 }],
    });
    expect(input.preview).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
  });

  it('lists base64 files of a JSON job without a name, and no preview', async () => {
    const sub = await submitJob(t.url, 'ok', 'bytes', { file: Buffer.from([9, 9, 9]).toString('base64') });
    const res = await http<JobInput>(`${t.url}/v1/jobs/${sub.body.job_id}/input`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      job_id: sub.body.job_id,
      kept: true,
      args: {},
      files: [{ arg: 'file', name: null, content_type: null, size_bytes: 3 }],
      preview: null,
    });
  });

  it('refuses a preview that is not an image or is over the bound, with a coded 400', async () => {
    const notImage = await http(`${t.url}/v1/jobs`, { method: 'POST', body: jobForm(new Blob(['<svg/>'])) });
    expect(notImage.status).toBe(400);
    expect(notImage.body.error?.code).toBe('BAD_REQUEST');
    const big = Buffer.concat([PNG, Buffer.alloc(JOB_PREVIEW_MAX_BYTES)]);
    const tooBig = await http(`${t.url}/v1/jobs`, { method: 'POST', body: jobForm(new Blob([big])) });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error?.code).toBe('BAD_REQUEST');
    await expectStillServing(t.server);
  });

  it('answers JOB_NOT_FOUND for an unknown job', async () => {
    const res = await http(`${t.url}/v1/jobs/00000000-0000-0000-0000-000000000000/input`);
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe('JOB_NOT_FOUND');
  });
});
