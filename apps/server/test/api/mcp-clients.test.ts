import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WWW_AUTHENTICATE } from '../../src/api/oauth-probes.js';
import { fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

const KEY = 'user-key-for-mcp-clients';
/** A 1x1 PNG: what the `typed` fixture's thumbnail tool returns in its `image` property. */
const PIXEL_PREFIX = 'iVBORw0KGgo';

/** mcp-remote's bridge (what Claude Desktop runs), from npm. */
const MCP_REMOTE = path.join(
  path.dirname(createRequire(import.meta.url).resolve('mcp-remote/package.json')),
  'dist',
  'proxy.js',
);

function expectImage(result: CallToolResult): void {
  expect(result.isError).toBeFalsy();
  expect(result.content[0]?.type).toBe('text'); // clients that read only text keep working
  const image = result.content.find((c) => c.type === 'image');
  expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' });
  expect((image as { data: string }).data.startsWith(PIXEL_PREFIX)).toBe(true);
  expect(result.structuredContent).toMatchObject({ caption: 'a red pixel' });
}

describe('MCP for real clients, against a keyed server', () => {
  let t: TestServer;
  let home: string;
  beforeAll(async () => {
    t = await startTestServer({
      listen: true,
      pluginsDirs: [fixtureSubset(['ok', 'typed'])],
      config: { userKey: KEY, adminKey: 'admin-key-for-mcp-clients' },
    });
    home = mkdtempSync(path.join(tmpdir(), 'bastion-mcp-remote-')); // mcp-remote keeps state under $HOME
  });
  afterAll(async () => {
    await t.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('the SDK client gets an image content item for an output property marked contentMediaType image/*', async () => {
    const client = new Client({ name: 'bastion-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { 'X-API-Key': KEY } } }),
    );
    try {
      expectImage((await client.callTool({ name: 'typed__thumbnail', arguments: {} })) as CallToolResult);
      // A tool without declared images returns text only.
      const echo = (await client.callTool({ name: 'ok__echo', arguments: { text: 'x' } })) as CallToolResult;
      expect(echo.content.map((c) => c.type)).toEqual(['text']);
    } finally {
      await client.close();
    }
  });

  it('a 401 names the accepted schemes in WWW-Authenticate', async () => {
    const res = await fetch(new URL('/mcp', t.url), { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(WWW_AUTHENTICATE);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const rest = await fetch(new URL('/v1/plugins/ok/tools/echo/run', t.url), { method: 'POST' });
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toMatch(/^Bearer realm="bastion"/);
  });

  it('OAuth discovery and registration paths answer 404 NOT_FOUND, with or without a key', async () => {
    const probes: Array<[string, string]> = [
      ['GET', '/.well-known/oauth-protected-resource'],
      ['GET', '/.well-known/oauth-protected-resource/mcp'],
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/.well-known/oauth-authorization-server/mcp'],
      ['GET', '/.well-known/openid-configuration'],
      ['POST', '/register'],
    ];
    for (const [method, url] of probes) {
      for (const headers of [{}, { 'X-API-Key': KEY }] as Array<Record<string, string>>) {
        const res = await fetch(new URL(url, t.url), { method, headers });
        expect(res.status, `${method} ${url}`).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      }
    }
    // Any other unknown route still needs the key first.
    expect((await fetch(new URL('/nothing-here', t.url))).status).toBe(401);
  });

  it('mcp-remote with the key header lists the tools and gets the image', async () => {
    const client = new Client({ name: 'bastion-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_REMOTE, new URL('/mcp', t.url).href, '--header', `X-API-Key:${KEY}`],
      env: { PATH: process.env.PATH ?? '', HOME: home },
      stderr: 'ignore',
    });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toEqual(expect.arrayContaining(['ok__echo', 'typed__thumbnail']));
      expectImage((await client.callTool({ name: 'typed__thumbnail', arguments: {} })) as CallToolResult);
    } finally {
      await client.close();
    }
  });

  it('mcp-remote without a key stops and says a key is needed (no OAuth flow to wait on)', async () => {
    const child = spawn(process.execPath, [MCP_REMOTE, new URL('/mcp', t.url).href], {
      env: { PATH: process.env.PATH ?? '', HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      })}\n`,
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(stderr).toContain('send an API key as X-API-Key or Authorization: Bearer');
    const still = await fetch(new URL('/v1/plugins/ok/tools/echo/run', t.url), {
      method: 'POST',
      headers: { 'X-API-Key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ args: { text: 'still here' } }),
    });
    expect(still.status).toBe(200);
  });
});
