import { parseArgs } from 'node:util';
import { HEALTH_RECORD_KEYS, isErrorCode, PLUGIN_STATES, type HealthRecord } from '@bastion/protocol';

/**
 * One audit result. `error`: the server breaks the health contract (exit 1). `warning`: the contract holds but
 * something needs an operator's look, e.g. a FAILED plugin or no plugins at all (exit 0).
 */
export interface AuditFinding {
  level: 'error' | 'warning';
  /** Stable name of the check, for scripts: e.g. `list-status`, `record-keys`, `plugin-failed`. */
  check: string;
  plugin: string | null;
  message: string;
}

export interface AuditReport {
  url: string;
  ok: boolean;
  plugins: number;
  errors: number;
  warnings: number;
  findings: AuditFinding[];
}

/** Checks a running server's health endpoints against the contract (docs/audit.md lists every check). */
export async function auditServer(url: string, headers: Record<string, string> = {}): Promise<AuditReport> {
  const findings: AuditFinding[] = [];
  let plugins = 0;
  const report = (): AuditReport => {
    const errors = findings.filter((f) => f.level === 'error').length;
    return { url, ok: errors === 0, plugins, errors, warnings: findings.length - errors, findings };
  };
  const error = (check: string, plugin: string | null, message: string): void =>
    void findings.push({ level: 'error', check, plugin, message });
  const warning = (check: string, plugin: string | null, message: string): void =>
    void findings.push({ level: 'warning', check, plugin, message });
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(new URL(path, url), { headers });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      error('json-body', null, `GET ${path} (${res.status}): body is not JSON`);
      return { status: res.status, body: null };
    }
  };

  const live = await get('/healthz');
  if (live.status !== 200) error('liveness', null, `GET /healthz answered ${live.status}, expected 200`);
  const list = await get('/v1/plugins');
  if (list.status !== 200) error('list-status', null, `GET /v1/plugins answered ${list.status}, expected 200`);
  if (!Array.isArray(list.body)) {
    error('list-array', null, 'GET /v1/plugins did not answer a JSON array');
    return report();
  }
  const records = list.body as HealthRecord[];
  plugins = records.length;
  if (records.length === 0) warning('no-plugins', null, 'the server lists no plugins; check --plugins-dir');
  const names = records.map((r) => r.name);
  if (names.join('\n') !== [...names].sort().join('\n'))
    error('list-sorted', null, 'GET /v1/plugins is not sorted by name');
  if (new Set(names).size !== names.length) error('list-unique', null, 'GET /v1/plugins lists a name twice');

  const busy = new Set(['RUNNING', 'INITIALIZED']);
  for (const record of records) {
    const name = typeof record.name === 'string' ? record.name : String(record.name);
    for (const key of HEALTH_RECORD_KEYS) {
      if (!(key in record)) error('record-keys', name, `list record lacks '${key}'`);
    }
    if (!PLUGIN_STATES.includes(record.state)) error('record-state', name, `invalid state '${String(record.state)}'`);
    if (record.reason_code !== null && !isErrorCode(record.reason_code)) {
      error('record-reason-code', name, `reason_code '${String(record.reason_code)}' is not a registered code`);
    }
    if (record.state === 'FAILED' || record.state === 'UNAVAILABLE') {
      if (!record.reason || !record.reason_code) {
        error('record-reason', name, `${record.state} without a reason and reason_code`);
      } else {
        warning(
          record.state === 'FAILED' ? 'plugin-failed' : 'plugin-unavailable',
          name,
          `${record.state} (${record.reason_code}): ${record.reason}`,
        );
      }
    }
    const detail = await get(`/v1/plugins/${encodeURIComponent(name)}/health`);
    if (detail.status !== 200) {
      error('detail-status', name, `detail answered ${detail.status}, expected 200`);
      continue;
    }
    const d = detail.body as HealthRecord;
    for (const key of HEALTH_RECORD_KEYS) if (!(key in d)) error('record-keys', name, `detail record lacks '${key}'`);
    if (d.name !== record.name) error('detail-name', name, `detail names '${String(d.name)}'`);
    // A state may move between the two reads only along the RUNNING/INITIALIZED pair.
    if (d.state !== record.state && !(busy.has(d.state) && busy.has(record.state))) {
      error('detail-state', name, `list says ${record.state}, detail says ${d.state}`);
    }
  }
  const missing = await get('/v1/plugins/bastion-audit-no-such-plugin/health');
  if (missing.status !== 404) {
    error('detail-unknown', null, `an unknown plugin's detail answered ${missing.status}, expected 404`);
  }
  return report();
}

/** `bastion audit [--url URL] [--json]`: exit 1 on contract errors (or an unreachable server), else 0. */
export async function audit(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { url: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (err) {
    console.error(`audit: ${(err as Error).message}\nusage: bastion audit [--url URL] [--json]`);
    return 1;
  }
  const url = values.url ?? `http://127.0.0.1:${process.env.BASTION_PORT ?? 8000}`;
  const key = process.env.BASTION_ADMIN_KEY ?? process.env.BASTION_USER_KEY;
  const headers: Record<string, string> = key ? { 'x-api-key': key } : {};
  let report: AuditReport;
  try {
    report = await auditServer(url, headers);
  } catch (err) {
    const message = `cannot reach ${url}: ${(err as Error).message}`;
    report = {
      url,
      ok: false,
      plugins: 0,
      errors: 1,
      warnings: 0,
      findings: [{ level: 'error', check: 'reachable', plugin: null, message }],
    };
  }
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  }
  for (const f of report.findings) {
    const line = `${f.level === 'error' ? '✗ error' : '! warning'} [${f.check}]${f.plugin ? ` ${f.plugin}:` : ''} ${f.message}`;
    if (f.level === 'error') console.error(line);
    else console.log(line);
  }
  const summary = `audit of ${url}: ${report.plugins} plugin(s), ${report.errors} error(s), ${report.warnings} warning(s)`;
  if (report.ok) console.log(`${summary}; health contract OK`);
  else console.error(`${summary}; health contract broken`);
  return report.ok ? 0 : 1;
}
