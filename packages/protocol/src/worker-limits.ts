/**
 * Bounds of the worker protocol (worker.ts), apart from its schemas so that workers can use them without loading
 * zod (importing the schemas costs a worker 100–250 ms of start-up).
 */

/** Longest text a worker may send in one field (messages, stack traces, log lines). */
export const MAX_WORKER_TEXT = 64 * 1024;
/** Tools one plugin may declare. */
export const MAX_TOOLS = 256;
/** Nesting a tool schema or an error's details may have; deeper is refused. */
export const MAX_SCHEMA_DEPTH = 32;
export const MAX_DETAILS_DEPTH = 32;
/** Nesting a result may have (the host re-serialises results, and JSON.stringify recurses). */
export const MAX_RESULT_DEPTH = 256;

/**
 * Rates the host takes a worker's frames at, per message type: under `soft` (per second, with a burst of as many)
 * they are handled; between soft and `hard` they are dropped; past hard the worker is a protocol breaker. Answers
 * need no rate: each must match a call the host sent.
 */
export const FRAME_RATES = {
  progress: { soft: 50, hard: 1000 },
  partial: { soft: 50, hard: 500 },
  log: { soft: 200, hard: 2000 },
} as const;

/**
 * What a runtime sends at most (per second, with a burst of as many), below FRAME_RATES' soft rates: an honest
 * worker is never dropped or ended, however its plugin behaves. The Python runner (bastion_worker/rates.py) keeps
 * the same numbers; a test holds them in step.
 */
export const RUNTIME_RATES = { log: 100, progress: 20, partial: 40 } as const;
