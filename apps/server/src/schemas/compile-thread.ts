/**
 * Compiler thread: turns plugin-supplied JSON Schemas into validator source code (ajv's standalone output). ajv's
 * code generation takes about a millisecond per property, so a large schema compiled on the host's event loop
 * would stall every request; here it runs beside it, under a time limit the main thread enforces by terminating
 * this thread (schema-compiler.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { ErrorObject } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import type { CompileReply, CompileRequest } from './compile-protocol.js';
import { createSchemaAjv } from './schema-ajv.js';
import { schemaRuleProblem } from './schema-rules.js';

function metaProblem(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'is not a valid JSON Schema';
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}`;
}

function compile(req: CompileRequest): CompileReply {
  const ajv = createSchemaAjv({ source: true });
  const codes: string[] = [];
  let bytes = 0;
  for (const { where, schema } of req.schemas) {
    const rule = schemaRuleProblem(schema);
    if (rule) return { id: req.id, problem: `${where} ${rule}` };
    if (!ajv.validateSchema(schema)) return { id: req.id, problem: `${where} ${metaProblem(ajv.errors)}` };
    let code: string;
    try {
      code = standalone.default(ajv, ajv.compile(schema));
    } catch (err) {
      return { id: req.id, problem: `${where} does not compile: ${err instanceof Error ? err.message : String(err)}` };
    }
    bytes += code.length;
    if (bytes > req.maxCodeBytes) {
      return {
        id: req.id,
        problem: `${where} is too complex: the plugin's schemas compile to more than ${Math.round(req.maxCodeBytes / 1024)} KB of validator code; split or simplify them`,
      };
    }
    codes.push(code);
  }
  return { id: req.id, codes };
}

parentPort?.on('message', (req: CompileRequest) => {
  parentPort?.postMessage(compile(req));
});
