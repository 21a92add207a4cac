import { Ajv } from 'ajv';
import { linearRegExp } from './linear-regexp.js';

/**
 * The one ajv configuration for plugin schemas: every error listed, formats not asserted (annotations only, as
 * JSON Schema 2020-12 says), patterns on the linear-time engine, nothing printed (ajv logs whole generated
 * functions on some failures).
 */
export function createSchemaAjv(opts: { source: boolean }): Ajv {
  return new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
    logger: false,
    code: { source: opts.source, regExp: linearRegExp },
  });
}
