/**
 * The JSON text of a plain object one of whose properties is JSON text already (a plugin's result, checked when it
 * arrived): that text is spliced in at its key's place, the rest serialised as JSON.stringify would, so a result
 * is never parsed and serialised again on its way out. `json` null writes `null`.
 */
export function stringifyWith(obj: Readonly<Record<string, unknown>>, key: string, json: string | null): string {
  const fields: string[] = [];
  for (const [k, value] of Object.entries(obj)) {
    if (k === key) fields.push(`${JSON.stringify(k)}:${json ?? 'null'}`);
    else if (value !== undefined) fields.push(`${JSON.stringify(k)}:${JSON.stringify(value)}`);
  }
  return `{${fields.join(',')}}`;
}
