import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClusterResponseSchema } from '@bastion/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadServeConfig } from '../../src/config/load.js';
import { fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('cluster settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bastion-queue-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes --queue and --node-id over the environment, and the environment over the config file', () => {
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ queue: { url: 'redis://file:6379', heartbeatMs: 1000 } }));
    const fromFile = loadServeConfig(['--config', file], {});
    expect([fromFile.queueUrl, fromFile.nodeId, fromFile.file.queue.heartbeatMs]).toEqual([
      'redis://file:6379',
      null,
      1000,
    ]);
    const env = { BASTION_QUEUE_URL: 'redis://env:6379/2', BASTION_NODE_ID: 'env-node' };
    expect(loadServeConfig(['--config', file], env)).toMatchObject({
      queueUrl: 'redis://env:6379/2',
      nodeId: 'env-node',
    });
    expect(
      loadServeConfig(['--config', file, '--queue', 'redis://:pw@flag:7000', '--node-id', 'flag-node'], env),
    ).toMatchObject({ queueUrl: 'redis://:pw@flag:7000', nodeId: 'flag-node' });
  });

  it('has defaults for every queue setting and standalone without a URL', () => {
    const c = loadServeConfig([], {});
    expect(c.queueUrl).toBeNull();
    expect(c.file.queue).toEqual({
      url: null,
      prefix: 'bastion',
      stalledIntervalMs: 5_000,
      heartbeatMs: 5_000,
      sharedDir: null,
      maxInlineInputMb: 8,
      pluginFailureRetries: 0,
      maxNodeDeaths: 3,
    });
  });

  it('reports bad queue URLs, node ids and queue settings as startup errors naming the setting', () => {
    for (const url of ['http://localhost:6379', 'redis://', 'redis://h:6379/db', 'not a url']) {
      const problems = problemsOf(() => loadServeConfig(['--queue', url], {}));
      expect(
        problems.some((p) => p.startsWith('queueUrl')),
        url,
      ).toBe(true);
    }
    // A URL that does not parse is never echoed: it may hold the password.
    const unparsable = problemsOf(() => loadServeConfig(['--queue', 'redis://:hunter2@bad host:6379'], {}));
    expect(unparsable.some((p) => p.startsWith('queueUrl'))).toBe(true);
    expect(unparsable.join('\n')).not.toContain('hunter2');
    expect(problemsOf(() => loadServeConfig(['--node-id', 'a b'], {})).some((p) => p.startsWith('nodeId'))).toBe(true);
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ queue: { prefix: 'a:b', heartbeatMs: 5, extra: 1 } }));
    const problems = problemsOf(() => loadServeConfig(['--config', file], {}));
    expect(problems.some((p) => p.includes('queue.prefix'))).toBe(true);
    expect(problems.some((p) => p.includes('queue.heartbeatMs'))).toBe(true);
    expect(problems.some((p) => p.includes('queue'))).toBe(true);
  });
});

describe('GET /v1/cluster in standalone mode', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])], config: { nodeId: 'solo' } });
  });
  afterAll(() => t.close());

  it('lists the node itself with its plugins, and no queue', async () => {
    const res = await t.server.app.inject({ method: 'GET', url: '/v1/cluster' });
    expect(res.statusCode).toBe(200);
    const body = ClusterResponseSchema.parse(res.json());
    expect(body.mode).toBe('standalone');
    expect(body.node_id).toBe('solo');
    expect(body.queue).toBeNull();
    expect(body.nodes).toHaveLength(1);
    expect(body.nodes[0]?.plugins).toEqual([{ name: 'ok', state: 'INITIALIZED' }]);
    const ready = await t.server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });
});
