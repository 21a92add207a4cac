import type { HealthRecord } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStillServing, fixtureSubset, runTool, startTestServer, type TestServer } from '../helpers/server.js';

/** A multipart body of text fields (and optionally one file part), as `curl -F name=value` sends it. */
function form(fields: Record<string, string>, file?: { name: string; bytes: Buffer }) {
  const boundary = '----bastion-form';
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
  );
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="f.bin"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: Buffer.concat(parts) };
}

describe('errors an author can act on', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'typed', 'syntax-error', 'import-throws'])] });
  });
  afterAll(() => t.close());

  const health = async (name: string) =>
    (await t.server.app.inject({ method: 'GET', url: `/v1/plugins/${name}/health` })).json<HealthRecord>();

  it('a syntax error in an imported module names its file, line and column', async () => {
    const h = await health('syntax-error');
    expect(h.state).toBe('FAILED');
    expect(h.reason_code).toBe('IMPORT_ERROR');
    expect(h.reason).toContain("lib/helper.js:5:16: Unexpected token '='");
    await expectStillServing(t.server);
  });

  it('an error thrown while importing names the place it was thrown', async () => {
    const h = await health('import-throws');
    expect(h.reason_code).toBe('IMPORT_ERROR');
    expect(h.reason).toContain('index.js:1:7: broken at import');
  });

  it('an unknown argument is named by its key', async () => {
    const res = await runTool(t.server, 'typed', 'describe', { size: 1, colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_INPUT');
    const details = (res.body.error as { details?: Array<{ path: string }> }).details;
    expect(details?.map((d) => d.path)).toEqual(['/colour']);
    expect(res.body.error?.message).toContain('colour');
  });

  it("multipart text fields take the types of the tool's schema", async () => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/typed/tools/describe/run',
      ...form(
        {
          size: '120',
          ratio: '0.5',
          flag: 'false',
          region: '{"x": 3}',
          tags: '["a","b"]',
          label: '42',
          either: '7',
        },
        { name: 'file', bytes: Buffer.from([1, 2, 3]) },
      ),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().result).toEqual({
      size: 120,
      types: {
        size: 'number',
        ratio: 'number',
        flag: 'boolean',
        region: 'object',
        tags: 'array',
        label: 'string',
        either: 'string',
        file: 'object',
      },
      file_bytes: 3,
    });
  });

  it('a text field that does not convert is reported against the schema, not guessed', async () => {
    for (const [fields, path] of [
      [{ size: '12.5' }, '/size'],
      [{ size: '1', flag: 'yes' }, '/flag'],
      [{ size: '1', region: '[1]' }, '/region'],
    ] as const) {
      const res = await t.server.app.inject({
        method: 'POST',
        url: '/v1/plugins/typed/tools/describe/run',
        ...form(fields),
      });
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_INPUT');
      expect(res.json().error.details.map((d: { path: string }) => d.path)).toEqual([path]);
    }
    const broken = await t.server.app.inject({
      method: 'POST',
      url: '/v1/plugins/typed/tools/describe/run',
      ...form({ size: '1', region: '{"x": ' }),
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('BAD_REQUEST');
  });

  it('a multipart job converts its fields the same way', async () => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      ...form({ plugin: 'typed', tool: 'describe', size: '5', flag: 'true' }),
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().job_id as string;
    let job: { status: string; result: unknown } = { status: 'queued', result: null };
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      job = (await t.server.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    }
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ size: 5, types: { size: 'number', flag: 'boolean' } });
  });
});
