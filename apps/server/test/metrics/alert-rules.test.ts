import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSubset, startTestServer, type TestServer } from '../helpers/server.js';

const DEPLOY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'deploy');
const RULES = path.join(DEPLOY, 'prometheus', 'alerts.yml');
const RULE_TESTS = path.join(DEPLOY, 'prometheus', 'alerts.test.yml');
const DASHBOARD = path.join(DEPLOY, 'grafana', 'bastion.json');

const promtool = (...args: string[]) => {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
};

/** Metric families an expression reads (histogram series by their family name). */
const familiesIn = (expr: string): string[] =>
  [...expr.matchAll(/\b((?:bastion|nodejs|process)_[a-z0-9_]+)/g)].map((m) =>
    (m[1] as string).replace(/_(bucket|sum|count)$/, ''),
  );

describe('alert rules and dashboard (deploy/)', () => {
  it('passes promtool check rules and the rules’ unit tests (promtool test rules)', () => {
    const check = promtool('check', 'rules', RULES);
    expect(check.output).toMatch(/SUCCESS: 8 rules found/);
    expect(check.code).toBe(0);
    const tests = promtool('test', 'rules', RULE_TESTS);
    expect(tests.output).toMatch(/SUCCESS/);
    expect(tests.code).toBe(0);
  });

  describe('against a real scrape', () => {
    let t: TestServer;
    let scrape: string;
    beforeAll(async () => {
      t = await startTestServer({ pluginsDirs: [fixtureSubset(['ok'])] });
      scrape = (await t.server.app.inject({ url: '/metrics' })).body;
    });
    afterAll(() => t.close());

    it('reads only metrics the server exports, in the rules and in every dashboard panel', () => {
      const exported = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
      const rules = readFileSync(RULES, 'utf8');
      const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
        panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      };
      const used = new Set([
        ...familiesIn(rules),
        ...dashboard.panels.flatMap((p) => p.targets.flatMap((target) => familiesIn(target.expr))),
      ]);
      expect(used.size).toBeGreaterThan(10);
      for (const family of used) expect(exported, family).toContain(family);
      for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    });

    it('exports the limits the rules compare with', () => {
      expect(scrape).toMatch(/^bastion_plugin_timeout_seconds\{plugin="ok"\} 3$/m);
      expect(scrape).toMatch(/^bastion_plugin_max_queue\{plugin="ok"\} 4$/m);
      expect(scrape).toMatch(/^bastion_plugin_quarantined\{plugin="ok"\} 0$/m);
    });
  });
});
