import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadServeConfig } from '../../src/config/load.js';

const file = (content: unknown): string => {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'bastion-config-')), 'bastion.json');
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('serve configuration', () => {
  it('has the documented defaults', () => {
    const c = loadServeConfig([], {});
    expect(c).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      pluginsDirs: [],
      bundledPlugins: true,
      dataDir: './.bastion',
      logLevel: 'info',
    });
    expect(c.file).toMatchObject({ restartPolicy: 'never', plugins: {}, jobRetentionHours: 168 });
  });

  it('is frozen, deeply, once validated', () => {
    const c = loadServeConfig(['--plugins-dir', '/x'], {});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.pluginsDirs)).toBe(true);
    expect(Object.isFrozen(c.file.plugins)).toBe(true);
    expect(() => c.pluginsDirs.push('/y')).toThrow(TypeError);
    expect(() => Object.assign(c.file, { restartPolicy: 'always' })).toThrow(TypeError);
  });

  it('takes flags over environment over defaults', () => {
    const env = {
      BASTION_PORT: '9000',
      BASTION_HOST: '127.0.0.2',
      BASTION_PLUGINS_DIR: '/a:/b',
      BASTION_BUNDLED_PLUGINS: '0',
      BASTION_DATA_DIR: '/d',
    };
    expect(loadServeConfig([], env)).toMatchObject({
      port: 9000,
      host: '127.0.0.2',
      pluginsDirs: ['/a', '/b'],
      bundledPlugins: false,
      dataDir: '/d',
    });
    expect(loadServeConfig(['--port', '0', '--plugins-dir', '/x', '--plugins-dir', '/y'], env)).toMatchObject({
      port: 0,
      pluginsDirs: ['/x', '/y'],
    });
  });

  it('takes the observability switches from flags or environment', () => {
    const off = loadServeConfig([], {});
    expect([off.logFormat, off.accessLog, off.otel]).toEqual([null, false, false]);
    const flags = loadServeConfig(['--log-format', 'json', '--access-log', '--otel'], {});
    expect([flags.logFormat, flags.accessLog, flags.otel]).toEqual(['json', true, true]);
    const env = loadServeConfig([], { BASTION_LOG_FORMAT: 'pretty', BASTION_ACCESS_LOG: '1', BASTION_OTEL: 'true' });
    expect([env.logFormat, env.accessLog, env.otel]).toEqual(['pretty', true, true]);
    expect(() => loadServeConfig(['--log-format', 'xml'], {})).toThrow(ConfigError);
  });

  it('reads per-plugin overrides from the config file', () => {
    const c = loadServeConfig(
      ['--config', file({ restartPolicy: 'on-failure', plugins: { ocr: { timeoutMs: 5000, allowCpu: true } } })],
      {},
    );
    expect(c.file.restartPolicy).toBe('on-failure');
    expect(c.file.plugins.ocr).toEqual({ timeoutMs: 5000, allowCpu: true, enabled: true, options: {} });
  });

  it('reports every problem together', () => {
    const problems = problemsOf(() =>
      loadServeConfig(
        [
          '--port',
          'x',
          '--log-level',
          'loud',
          '--config',
          file({ restartPolicy: 'sometimes', maxResultMb: 4096, plugins: { a: { memoryMb: -1, bogus: 1 } } }),
        ],
        {},
      ),
    );
    const text = problems.join('\n');
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(/--port/);
    expect(text).toMatch(/restartPolicy/);
    expect(text).toMatch(/plugins\.a\.memoryMb/);
    expect(text).toMatch(/bogus/);
    expect(text).toMatch(/maxResultMb/);
  });

  it('names unreadable config files and unknown flags', () => {
    expect(problemsOf(() => loadServeConfig(['--config', file('{ nope')], {}))[0]).toMatch(/config file/);
    expect(problemsOf(() => loadServeConfig(['--config', '/nonexistent/x.json'], {}))[0]).toMatch(
      /ENOENT|no such file/,
    );
    expect(problemsOf(() => loadServeConfig(['--bogus'], {}))[0]).toMatch(/bogus/);
  });

  it('binds beyond loopback only with keys or --insecure', () => {
    expect(problemsOf(() => loadServeConfig(['--host', '0.0.0.0'], {}))[0]).toMatch(/--insecure/);
    expect(loadServeConfig(['--host', '0.0.0.0', '--insecure'], {}).host).toBe('0.0.0.0');
    expect(loadServeConfig(['--host', '0.0.0.0'], { BASTION_ADMIN_KEY: 'a-long-admin-key' }).adminKey).toBe(
      'a-long-admin-key',
    );
    expect(loadServeConfig(['--host', '::1'], {}).host).toBe('::1');
  });
});

describe('keys file', () => {
  it('reads hashed keys and validates them', () => {
    const sha = 'a'.repeat(64);
    const c = loadServeConfig(['--keys-file', file([{ role: 'admin', sha256: sha }])], {});
    expect(c.hashedKeys).toEqual([{ role: 'admin', sha256: sha }]);
    expect(
      loadServeConfig(['--host', '0.0.0.0'], { BASTION_KEYS_FILE: file([{ role: 'user', sha256: sha }]) }).host,
    ).toBe('0.0.0.0');
    const problems = problemsOf(() => loadServeConfig(['--keys-file', file([{ role: 'root', sha256: 'xyz' }])], {}));
    expect(problems.join('\n')).toMatch(/hashedKeys\.0\.role/);
    expect(problems.join('\n')).toMatch(/hashedKeys\.0\.sha256/);
  });
});
