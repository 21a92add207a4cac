import { MAX_SCHEMA_DEPTH } from '@bastion/protocol/worker-limits';
import { patternProblem } from './linear-regexp.js';

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

function pointer(path: string, key: string): string {
  return `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** `items` that only admit scalars, where ajv's uniqueItems check is linear (a hash); otherwise it is quadratic. */
function scalarItems(items: unknown): boolean {
  if (typeof items !== 'object' || items === null) return false;
  const type = (items as { type?: unknown }).type;
  const types = Array.isArray(type) ? type : [type];
  return types.length > 0 && types.every((t) => typeof t === 'string' && SCALAR_TYPES.has(t));
}

/**
 * What the host refuses in a plugin's JSON Schema before compiling it, with the JSON pointer of the first problem:
 * nesting deeper than MAX_SCHEMA_DEPTH, patterns the linear-time engine cannot run, `uniqueItems` over items that
 * are not scalars (ajv compares those pairwise: quadratic in the array), and `$ref`s outside the schema. Each of
 * these would let a schema make the host's validation slow or unbounded. Iterative, so any depth is safe to walk.
 */
export function schemaRuleProblem(schema: unknown): string | null {
  const stack: Array<[unknown, string, number]> = [[schema, '', 0]];
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop() as [unknown, string, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_SCHEMA_DEPTH) return `${path || '/'}: nested deeper than ${MAX_SCHEMA_DEPTH} levels`;
    if (Array.isArray(node)) {
      node.forEach((v, i) => stack.push([v, `${path}/${i}`, depth + 1]));
      continue;
    }
    const obj = node as Record<string, unknown>;
    if (typeof obj.pattern === 'string') {
      const problem = patternProblem(obj.pattern);
      if (problem) return `${pointer(path, 'pattern')}: ${problem}`;
    }
    if (typeof obj.patternProperties === 'object' && obj.patternProperties !== null) {
      for (const key of Object.keys(obj.patternProperties)) {
        const problem = patternProblem(key);
        if (problem) return `${pointer(path, 'patternProperties')}: ${problem}`;
      }
    }
    if (obj.uniqueItems === true && !scalarItems(obj.items)) {
      return `${pointer(path, 'uniqueItems')}: uniqueItems needs 'items' of a scalar type (string, number, integer, boolean, null); checking objects or arrays for uniqueness takes quadratic time`;
    }
    if (typeof obj.$ref === 'string' && !obj.$ref.startsWith('#')) {
      return `${pointer(path, '$ref')}: only references inside the schema ('#/...') are allowed, not ${JSON.stringify(obj.$ref)}`;
    }
    for (const [key, value] of Object.entries(obj)) stack.push([value, pointer(path, key), depth + 1]);
  }
  return null;
}
