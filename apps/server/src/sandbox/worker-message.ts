import { WorkerToHostSchema, type WorkerToHost } from '@bastion/protocol';

export type ParsedMessage = { ok: true; msg: WorkerToHost } | { ok: false; problem: string };

/**
 * A decoded frame from a worker against the protocol's one schema (@bastion/protocol's WorkerToHostSchema): exact
 * shapes, no extra keys, bounded text, codes from the worker's own lists (a plugin cannot claim a host code). A
 * plugin shares the worker's process and can write anything to its socket, so nothing is believed before this.
 */
export function parseWorkerMessage(raw: Record<string, unknown>): ParsedMessage {
  const parsed = WorkerToHostSchema.safeParse(raw);
  if (parsed.success) return { ok: true, msg: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'message';
  const type = typeof raw.type === 'string' ? raw.type.slice(0, 40) : typeof raw.type;
  return { ok: false, problem: `a '${type}' message whose ${where} ${issue?.message ?? 'is invalid'}` };
}
