import type { ErrorObject } from 'ajv';

/** One problem a schema check found: where in the value (a JSON pointer) and what. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** ajv's errors as {path, message}, the `details` of INVALID_INPUT and INVALID_OUTPUT. */
export function describeErrors(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((e) => {
    // Point at the offending key itself: the one missing, or the one the schema does not allow.
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty?: string }).additionalProperty);
      return { path: `${e.instancePath}/${key}`, message: `is not an accepted property ('${key}')` };
    }
    const missing =
      e.keyword === 'required' ? `/${String((e.params as { missingProperty?: string }).missingProperty)}` : '';
    return { path: `${e.instancePath}${missing}` || '/', message: e.message ?? e.keyword };
  });
}
