import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStillServing, fixtureSubset, runTool, startTestServer, type TestServer } from './helpers/server.js';

describe('smoke', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok', 'throws'])] });
  });
  afterAll(() => t.close());

  it('runs a tool and survives a throwing one', async () => {
    const bad = await runTool(t.server, 'throws', 'run');
    expect(bad.status).toBe(422);
    expect(bad.body.error?.code).toBe('TOOL_ERROR');
    await expectStillServing(t.server);
  });
});
