import type { WorkerToolInfo } from '@bastion/protocol';
import type { ValidateFunction } from 'ajv';
import { LoadFailure } from '../sandbox/load-failure.js';
import { binaryProperties } from './args.js';
import { SchemaError, type SchemaCompiler } from './schemas/schema-compiler.js';

/** A tool as the host uses it: what the worker declared, with its argument check compiled once at load. */
export interface LoadedTool extends WorkerToolInfo {
  readonly validateInput: ValidateFunction;
  /** Top-level properties declared binary (`contentEncoding: 'base64'`). */
  readonly binary: readonly string[];
}

/**
 * The tools of a plugin that just loaded, their schemas compiled off the event loop. Output schemas are compiled
 * too, only to refuse invalid ones at load: results are checked in the worker (sandbox/worker/), under the call's
 * own timeout. Rejects with a VALIDATION_ERROR LoadFailure naming the tool, the schema and the JSON pointer of the
 * first problem.
 */
export async function loadTools(compiler: SchemaCompiler, tools: readonly WorkerToolInfo[]): Promise<LoadedTool[]> {
  const sources = tools.flatMap((t) => [
    { where: `tool '${t.name}' inputSchema`, schema: t.inputSchema },
    ...(t.outputSchema ? [{ where: `tool '${t.name}' outputSchema`, schema: t.outputSchema }] : []),
  ]);
  let validators: ValidateFunction[];
  try {
    validators = await compiler.compile(sources);
  } catch (err) {
    throw err instanceof SchemaError ? new LoadFailure('VALIDATION_ERROR', err.message) : err;
  }
  let at = 0;
  return tools.map((t) => {
    const validateInput = validators[at] as ValidateFunction;
    at += t.outputSchema ? 2 : 1;
    return Object.freeze({ ...t, validateInput, binary: binaryProperties(t.inputSchema) });
  });
}
