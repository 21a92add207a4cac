import type { WorkerToolInfo } from '@bastion/protocol';
import type { ValidateFunction } from 'ajv';
import { LoadFailure } from '../sandbox/load-failure.js';
import { binaryProperties } from '../schemas/binary-properties.js';
import { mcpView, type McpView } from '../schemas/mcp-view.js';
import { SchemaError, type SchemaCompiler } from '../schemas/schema-compiler.js';

/**
 * A tool as the host uses it, built once per load: what the worker declared, its argument check compiled, its
 * binary properties, and how MCP shows it.
 */
export interface LoadedTool extends WorkerToolInfo {
  readonly validateInput: ValidateFunction;
  /** Top-level properties declared binary (`contentEncoding: 'base64'`). */
  readonly binary: readonly string[];
  /**
   * The outputSchema check, for runtimes that do not check results themselves (the Python runner: JSON Schema is
   * not in its standard library); absent where the worker checks them, or the tool declares none.
   */
  readonly validateOutput?: ValidateFunction;
  readonly mcp: McpView;
}

/**
 * The tools of a plugin that just loaded, their schemas compiled off the event loop. Output schemas are compiled
 * too: to refuse invalid ones at load, and, with `checkOutputsInHost` (a runtime that cannot check results itself),
 * as the host's result check; the Node worker checks results itself, under the call's own timeout. Rejects with a VALIDATION_ERROR LoadFailure naming the tool, the schema and the JSON pointer of the
 * first problem.
 */
export async function loadTools(
  compiler: SchemaCompiler,
  tools: readonly WorkerToolInfo[],
  opts: { checkOutputsInHost?: boolean } = {},
): Promise<LoadedTool[]> {
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
    const validateOutput = t.outputSchema && opts.checkOutputsInHost ? (validators[at + 1] as ValidateFunction) : null;
    at += t.outputSchema ? 2 : 1;
    return Object.freeze({
      ...t,
      validateInput,
      ...(validateOutput ? { validateOutput } : {}),
      binary: binaryProperties(t.inputSchema),
      mcp: mcpView(t),
    });
  });
}
