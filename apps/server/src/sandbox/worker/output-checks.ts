import type { WorkerToolInfo } from '@bastion/protocol';
import type { ValidateFunction } from 'ajv';
import { describeErrors } from '../../schemas/schema-errors.js';
import { clipText } from './encode.js';

/** Longest `details` of an output check sent to the host. */
const MAX_DETAILS = 20;

/**
 * Results checked against their tool's outputSchema, here in the worker: a slow schema then costs the call its own
 * timeout instead of stalling the host. The host compiled the same schemas at load only to refuse invalid ones.
 */
export class OutputChecks {
  private constructor(private readonly validators: ReadonlyMap<string, ValidateFunction>) {}

  /** Never throws: a schema that does not compile is left to the host, which refuses the plugin at load. */
  static async compile(tools: readonly WorkerToolInfo[]): Promise<OutputChecks> {
    const withSchema = tools.filter((t) => t.outputSchema !== null);
    if (withSchema.length === 0) return new OutputChecks(new Map());
    // Loaded only by workers whose tools declare an output schema: most start faster without ajv.
    const { createSchemaAjv } = await import('../../schemas/schema-ajv.js');
    const ajv = createSchemaAjv({ source: false });
    const map = new Map<string, ValidateFunction>();
    for (const t of withSchema) {
      try {
        map.set(t.name, ajv.compile(t.outputSchema as Record<string, unknown>));
      } catch {
        // The host compiles the same schema at load and refuses it with the JSON pointer of the problem.
      }
    }
    return new OutputChecks(map);
  }

  /** Why the result (its JSON text) breaks the tool's outputSchema, or null when it matches or there is none. */
  check(tool: string, json: string): { message: string; detailsJson: string } | null {
    const validate = this.validators.get(tool);
    if (!validate) return null;
    let ok: boolean;
    try {
      ok = validate(JSON.parse(json)) as boolean;
    } catch (err) {
      const message = `result could not be checked against the tool's outputSchema: ${err instanceof Error ? err.message : String(err)}`;
      return { message: clipText(message), detailsJson: '[]' };
    }
    if (ok) return null;
    const details = describeErrors(validate.errors).slice(0, MAX_DETAILS);
    const first = details[0];
    return {
      message: clipText(
        `result does not match the tool's outputSchema${first ? `: ${first.path} ${first.message}` : ''}`,
      ),
      detailsJson: clipText(JSON.stringify(details)),
    };
  }
}
