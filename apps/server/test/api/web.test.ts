import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStillServing, fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

/** The UI's static files: precompressed copies for clients that accept them, and nothing private. */
describe('web UI static files', () => {
  let t: TestServer;
  let dir: string;
  const js = `console.log(${JSON.stringify('bastion '.repeat(400))});\n`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bastion-web-static-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Bastion</title>');
    writeFileSync(path.join(dir, 'assets', 'app.js'), js);
    writeFileSync(path.join(dir, 'assets', 'app.js.br'), brotliCompressSync(js));
    writeFileSync(path.join(dir, 'assets', 'app.js.gz'), gzipSync(js));
    writeFileSync(path.join(dir, 'assets', 'app.js.map'), '{"version":3,"sources":["secret.ts"]}');
    process.env.BASTION_WEB_DIR = dir;
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])] });
  });

  afterAll(async () => {
    await t?.close();
    delete process.env.BASTION_WEB_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, encoding?: string) =>
    t.server.app.inject({ method: 'GET', url, headers: encoding ? { 'accept-encoding': encoding } : {} });

  it('sends the brotli copy to a client that accepts br, and gzip to one that accepts only gzip', async () => {
    const br = await get('/assets/app.js', 'gzip, deflate, br');
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.rawPayload.byteLength).toBeLessThan(js.length / 4);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(js);
    expect(String(br.headers['content-type'])).toMatch(/javascript/);

    const gz = await get('/assets/app.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(js);
  });

  it('sends the plain file to a client that accepts no encoding', async () => {
    const plain = await get('/assets/app.js');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(js);
  });

  it('never serves a source map or a compressed copy by its own name', async () => {
    for (const name of ['app.js.map', 'app.js.br', 'app.js.gz']) {
      const res = await get(`/assets/${name}`, 'br');
      expect(res.statusCode, name).toBe(404);
      expect(res.json().error.code, name).toBe('NOT_FOUND');
    }
    await expectStillServing(t.server);
  });
});
