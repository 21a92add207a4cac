import { parseArgs } from 'node:util';
import { HEALTH_RECORD_KEYS, PLUGIN_STATES, type HealthRecord } from '@bastion/protocol';

/** Checks a list of health records and their detail answers against the contract; returns the problems. */
export async function auditServer(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const problems: string[] = [];
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(new URL(path, url), { headers });
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      problems.push(`GET ${path}: body is not JSON`);
    }
    return { status: res.status, body };
  };
  const list = await get('/v1/plugins');
  if (list.status !== 200) problems.push(`GET /v1/plugins answered ${list.status}, expected 200`);
  if (!Array.isArray(list.body)) return [...problems, 'GET /v1/plugins did not answer an array'];
  const records = list.body as HealthRecord[];
  const names = records.map((r) => r.name);
  if (names.join('\n') !== [...names].sort().join('\n')) problems.push('GET /v1/plugins is not sorted by name');
  for (const record of records) {
    const where = `plugin '${record.name}'`;
    for (const key of HEALTH_RECORD_KEYS) if (!(key in record)) problems.push(`${where}: list record lacks '${key}'`);
    if (!PLUGIN_STATES.includes(record.state)) problems.push(`${where}: invalid state '${String(record.state)}'`);
    if ((record.state === 'FAILED' || record.state === 'UNAVAILABLE') && !record.reason) {
      problems.push(`${where}: ${record.state} without a reason`);
    }
    const detail = await get(`/v1/plugins/${encodeURIComponent(record.name)}/health`);
    if (detail.status !== 200) {
      problems.push(`${where}: detail answered ${detail.status}, expected 200`);
      continue;
    }
    const d = detail.body as HealthRecord;
    for (const key of HEALTH_RECORD_KEYS) if (!(key in d)) problems.push(`${where}: detail record lacks '${key}'`);
    if (d.name !== record.name) problems.push(`${where}: detail names '${d.name}'`);
    // Allow a state to move between the two reads only along the RUNNING/INITIALIZED pair.
    const busy = new Set(['RUNNING', 'INITIALIZED']);
    if (d.state !== record.state && !(busy.has(d.state) && busy.has(record.state))) {
      problems.push(`${where}: list says ${record.state}, detail says ${d.state}`);
    }
  }
  const missing = await get('/v1/plugins/bastion-audit-no-such-plugin/health');
  if (missing.status !== 404) problems.push(`an unknown plugin's detail answered ${missing.status}, expected 404`);
  return problems;
}

export async function audit(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { url: { type: 'string' } }, strict: true });
  const url = values.url ?? `http://127.0.0.1:${process.env.BASTION_PORT ?? 8000}`;
  const key = process.env.BASTION_ADMIN_KEY ?? process.env.BASTION_USER_KEY;
  const headers: Record<string, string> = key ? { 'x-api-key': key } : {};
  let problems: string[];
  try {
    problems = await auditServer(url, headers);
  } catch (err) {
    console.error(`audit: cannot reach ${url}: ${(err as Error).message}`);
    return 1;
  }
  if (problems.length) {
    console.error(`audit of ${url}: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  - ${p}`);
    return 1;
  }
  console.log(`audit of ${url}: health contract OK`);
  return 0;
}
