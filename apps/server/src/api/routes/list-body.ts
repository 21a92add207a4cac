import { uptimeSeconds, type Registry } from '../../plugins/registry.js';

const UPTIME_NULL = '"uptime_seconds":null';

/**
 * The body of `GET /v1/plugins`, serialised once per registry version. Only `uptime_seconds` depends on the clock,
 * so the cached text is kept in pieces around each record's uptime, and every request fills in the current
 * values: the answer is exactly what serialising a fresh `registry.list()` would give, without the snapshots.
 */
export class ListBody {
  #version = -1;
  /** Text between the uptimes: `pieces[i]`, uptime of record i, `pieces[i + 1]`, … */
  #pieces: string[] = [];
  /** When each record's plugin was loaded (epoch ms), or null for a record whose uptime is null. */
  #loadedAt: Array<number | null> = [];

  constructor(private readonly registry: Registry) {}

  render(now = Date.now()): string {
    if (this.#version !== this.registry.version) this.#build(now);
    let text = this.#pieces[0] as string;
    for (let i = 0; i < this.#loadedAt.length; i++) {
      const at = this.#loadedAt[i];
      text += (at === null || at === undefined ? 'null' : JSON.stringify(uptimeSeconds(at, now))) + this.#pieces[i + 1];
    }
    return text;
  }

  #build(now: number): void {
    this.#version = this.registry.version;
    const pieces: string[] = [];
    const loadedAt: Array<number | null> = [];
    let open = '[';
    for (const record of this.registry.list(now)) {
      const json = JSON.stringify({ ...record, uptime_seconds: null });
      // The only unescaped occurrence: inside JSON strings every quote is escaped.
      const at = json.indexOf(UPTIME_NULL) + UPTIME_NULL.length - 'null'.length;
      pieces.push(open + json.slice(0, at));
      open = json.slice(at + 'null'.length) + ',';
      loadedAt.push(record.loaded_at === null ? null : Date.parse(record.loaded_at));
    }
    pieces.push(pieces.length === 0 ? '[]' : `${open.slice(0, -1)}]`);
    this.#pieces = pieces;
    this.#loadedAt = loadedAt;
  }
}
