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
