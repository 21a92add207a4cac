import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** A JSON Schema object (draft 2020-12 or draft-07). Binary inputs use `contentEncoding: 'base64'`. */
export type JsonSchema = Record<string, unknown>;

/**
 * Binary properties (`contentEncoding: 'base64'`) reach the handler as bytes, not as the base64 string. The host
 * does not fill in `default` values, so a property with a default stays optional.
 */
type BinaryArgs = {
  deserialize: [{ pattern: { type: 'string'; contentEncoding: 'base64' }; output: Uint8Array }];
  keepDefaultedPropertiesOptional: true;
};

/**
 * The argument type a handler receives for a tool whose `inputSchema` is `S` (written inline or `as const`).
 *
 * @example
 * const schema = { type: 'object', properties: { image: { type: 'string', contentEncoding: 'base64' } },
 *                  required: ['image'], additionalProperties: false } as const;
 * type Args = ArgsOf<typeof schema>; // { image: Uint8Array }
 */
export type ArgsOf<S extends JSONSchema> = FromSchema<S, BinaryArgs>;

/**
 * The result type a tool whose `outputSchema` is `S` must return.
 *
 * @example
 * type Result = ResultOf<{ type: 'object'; properties: { bytes: { type: 'integer' } }; required: ['bytes'] }>;
 */
export type ResultOf<S extends JSONSchema> = FromSchema<S, { keepDefaultedPropertiesOptional: true }>;

export type { JSONSchema };
