/** One JSON Schema to compile, and where it comes from (for messages: "tool 'detect' inputSchema"). */
export interface SchemaSource {
  where: string;
  schema: Record<string, unknown>;
}

/** Main thread → compiler thread. */
export interface CompileRequest {
  id: number;
  schemas: SchemaSource[];
  /** Most bytes of validator code all the schemas of one request may compile to. */
  maxCodeBytes: number;
}

/** Compiler thread → main thread: one module source per schema, or the first problem found. */
export type CompileReply = { id: number; codes: string[] } | { id: number; problem: string };
