import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redactArgv, redactText, redactUrl, serializeError } from '../../src/cluster/redact.js';

describe('log redaction for cluster mode', () => {
  it('keeps the command name and Redis text of an error, never its arguments', () => {
    const err = Object.assign(new ReplyError("OOM command not allowed when used memory > 'maxmemory'."), {
      command: { name: 'hset', args: ['bastion:c:input:1', 'file', Buffer.alloc(1_000_000, 7)] },
    });
    const out = serializeError(err) as Record<string, unknown>;
    expect(out.command).toBe('hset');
    expect(String(out.message)).toContain('OOM command not allowed');
    expect(JSON.stringify(out).length).toBeLessThan(5000);
    const auth = Object.assign(new ReplyError('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['hunter2'] },
    });
    expect(JSON.stringify(serializeError(auth))).not.toContain('hunter2');
  });

  it('clips long strings, drops large nested values and redacts URL passwords in any text', () => {
    const err = Object.assign(new Error(`failed at redis://:hunter2@10.0.0.1:6379/0 ${'x'.repeat(50_000)}`), {
      payload: { big: 'y'.repeat(50_000) },
      previousErrors: [new Error('z')],
    });
    const out = serializeError(err) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('redis://:***@10.0.0.1:6379/0');
    expect(text.length).toBeLessThan(10_000);
    expect(out.previousErrors).toBeUndefined();
    expect(serializeError('plain')).toBe('plain');
    expect(redactText('see rediss://user:p%40ss@h:1 now')).toBe('see rediss://user:***@h:1 now');
    expect(redactUrl('redis://:s3cret@h:6379/2')).toBe('redis://:***@h:6379/2');
    expect(redactUrl('not a url :s3cret@')).toBe('(invalid URL)');
  });

  it('rewrites the command line with the --queue password replaced, in both flag forms', () => {
    expect(redactArgv(['--port', '0', '--queue', 'redis://:pw@h:1/0', '--node-id', 'a'])).toEqual([
      '--port',
      '0',
      '--queue',
      'redis://:***@h:1/0',
      '--node-id',
      'a',
    ]);
    expect(redactArgv(['--queue=redis://u:pw@h:1'])).toEqual(['--queue=redis://u:***@h:1']);
  });
});
