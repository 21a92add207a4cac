import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@bastion/protocol';
import { describe, expect, it } from 'vitest';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/errors.md');

describe('docs/errors.md', () => {
  const rows = readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((l) => /^\| [A-Z_]+ \|/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()));

  it('lists every code of the registry exactly once, with its HTTP status and a fix', () => {
    const documented = rows.map((r) => r[1]);
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const r of rows) {
      const code = r[1] as keyof typeof ERROR_CODES;
      const http = ERROR_CODES[code].http;
      expect(r[2], code).toBe(http === null ? '–' : String(http));
      expect(r[4]?.length, `${code} has a fix`).toBeGreaterThan(0);
    }
  });
});
