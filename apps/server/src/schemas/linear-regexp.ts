import { RE2JS } from 're2js';

/** What ajv needs of a compiled pattern. */
export interface RegExpLike {
  test(text: string): boolean;
}

/** How compiled validator code names the engine (schema-compiler.ts resolves it). */
export const LINEAR_REGEXP_MODULE = 'bastion:linear-regexp';

/**
 * The regular-expression engine for plugin-supplied `pattern` and `patternProperties`: RE2 (re2js), whose matching
 * time is linear in the input whatever the pattern. V8's backtracking engine takes exponential time on patterns
 * such as `(a+)+$`, and a plugin's schema is untrusted input to the host. Constructs that cannot match in linear
 * time (backreferences, lookaround) do not compile: the plugin is FAILED with VALIDATION_ERROR at load.
 */
export const linearRegExp = Object.assign(
  (pattern: string): RegExpLike => {
    const re = RE2JS.compile(pattern);
    // ajv keys its compiled patterns by toString(): each must be distinct.
    return { test: (text: string) => re.test(text), toString: () => `/${pattern}/` } as RegExpLike;
  },
  { code: `require(${JSON.stringify(LINEAR_REGEXP_MODULE)})` },
);

/** Why `pattern` cannot be used, or null when the linear-time engine compiles it. */
export function patternProblem(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (err) {
    return `pattern ${JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern)} is not supported by the linear-time regular-expression engine (${err instanceof Error ? err.message : String(err)}); backreferences and lookaround are not available`;
  }
}
