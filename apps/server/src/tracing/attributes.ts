/** Span attribute names of Bastion's own spans (docs/observability.md lists them). */
export const ATTR = {
  plugin: 'bastion.plugin',
  tool: 'bastion.tool',
  /** `ok` or the error code of the registry (docs/errors.md). */
  outcome: 'bastion.outcome',
  /** `direct` (timeoutMs) or `job` (jobTimeoutMs). */
  mode: 'bastion.call.mode',
  argsBytes: 'bastion.args_bytes',
  resultBytes: 'bastion.result_bytes',
  jobId: 'bastion.job.id',
  node: 'bastion.node',
  frameId: 'bastion.stream.frame_id',
} as const;

/** The size of a call's arguments as they cross to the worker: binary ones as bytes, the rest as JSON text. */
export function argsBytes(args: Record<string, unknown>): number {
  let bytes = 0;
  for (const value of Object.values(args)) {
    if (value instanceof Uint8Array) bytes += value.byteLength;
    else bytes += JSON.stringify(value)?.length ?? 0;
  }
  return bytes;
}
