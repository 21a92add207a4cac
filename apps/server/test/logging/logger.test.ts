import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFormatFor } from '../../src/logging/logger.js';
import { BIN, serveArgs, startCli } from '../helpers/cli.js';
import { fixtureSubset } from '../helpers/server.js';

const isJsonLine = (line: string): boolean => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

describe('log format', () => {
  it('is pretty on a terminal and JSON elsewhere unless --log-format says otherwise', () => {
    expect(logFormatFor(null, true)).toBe('pretty');
    expect(logFormatFor(null, false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
  });

  it('writes JSON lines when stderr is a pipe, and readable lines with --log-format pretty', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-log-'));
    try {
      for (const format of ['default', 'pretty'] as const) {
        const extra = format === 'pretty' ? ['--log-format', 'pretty'] : [];
        const run = startCli(serveArgs(fixtureSubset(['ok']), dir, '--access-log', ...extra), {
          BASTION_LOG_LEVEL: 'info',
        });
        const url = await run.url;
        expect((await fetch(new URL('/healthz', url))).status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
        run.child.kill('SIGTERM');
        await run.exited;
        const lines = run.output().stderr.split('\n').filter(Boolean);
        const access = lines.filter((l) => l.includes('GET /healthz 200'));
        expect(access, run.output().stderr).toHaveLength(1);
        if (format === 'default') {
          expect(lines.every(isJsonLine), run.output().stderr).toBe(true);
        } else {
          expect(lines.some(isJsonLine)).toBe(false);
          expect(access[0]).toMatch(/INFO/);
          // pino-pretty writes the line's fields below it, one per line.
          expect(run.output().stderr).toMatch(/^\s+reqId: "[0-9a-f-]{36}"$/m);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is pretty by default when stderr is a terminal (under script(1))', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-log-'));
    const cmd = [process.execPath, BIN, ...serveArgs(fixtureSubset(['ok']), dir)].map((a) => `'${a}'`).join(' ');
    // script gives the command a pseudo-terminal as stdin, stdout and stderr and copies what it writes to ours.
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: { ...process.env, BASTION_LOG_LEVEL: 'info' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start under script:\n${out}`)), 30_000);
        child.stdout.on('data', (d: string) => {
          out += d;
          if (/listening on http/.test(out) && /plugin ok/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const lines = out.split(/\r?\n/).filter((l) => l.includes('plugin ok'));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.some(isJsonLine)).toBe(false);
      expect(lines.join('\n')).toMatch(/INFO/);
    } finally {
      // SIGTERM to script's child: the server stops cleanly and script exits with it.
      child.stdin.end('\x03');
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
