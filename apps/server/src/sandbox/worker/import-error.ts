import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, type Node as AcornNode } from 'acorn';

/** At most this many modules are parsed when looking for a syntax error (a plugin's own files, then packages'). */
const MAX_PARSED_MODULES = 200;

interface Place {
  file: string;
  line: number;
  column: number;
}

/**
 * The IMPORT_ERROR message for an error thrown while importing a plugin's entry, prefixed with the place it came
 * from (`lib/helper.js:5:16: Unexpected token '='`) so an author can jump to it. V8 keeps a module's syntax-error
 * location out of `err.stack`, so the import graph from the entry is parsed (not run) to find the first module
 * that does not parse; errors thrown by running code take the first stack frame in a file.
 */
export function importErrorMessage(err: unknown, message: string, entry: string, pluginDir: string): string {
  let place: Place | null;
  try {
    place = err instanceof SyntaxError ? syntaxErrorPlace(entry) : stackPlace(err);
  } catch {
    place = null; // the location is a help, never a second failure
  }
  if (!place) return message;
  const rel = path.relative(pluginDir, place.file);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : place.file;
  return `${shown}:${place.line}:${place.column}: ${message}`;
}

/** The first `file:` frame of a thrown error's stack. */
function stackPlace(err: unknown): Place | null {
  const stack = typeof err === 'object' && err !== null ? (err as { stack?: unknown }).stack : undefined;
  if (typeof stack !== 'string') return null;
  const m = /\((file:\/\/[^)]+):(\d+):(\d+)\)|at (file:\/\/\S+):(\d+):(\d+)/.exec(stack);
  if (!m) return null;
  const url = m[1] ?? m[4] ?? '';
  return { file: fileURLToPath(url), line: Number(m[2] ?? m[5]), column: Number(m[3] ?? m[6]) };
}

/** Parses the entry and every module it imports statically, depth first, and returns the first syntax error. */
function syntaxErrorPlace(entry: string): Place | null {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length && seen.size < MAX_PARSED_MODULES) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    let ast: AcornNode;
    try {
      ast = parse(source, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true, locations: true });
    } catch (e) {
      const loc = (e as { loc?: { line: number; column: number } }).loc;
      if (loc) return { file, line: loc.line, column: loc.column + 1 };
      continue;
    }
    // Imports are evaluated in source order: push them reversed so the first one is parsed first.
    stack.push(...importedFiles(ast, file).reverse());
  }
  return null;
}

function importedFiles(ast: AcornNode, from: string): string[] {
  const body = (ast as unknown as { body: Array<{ type: string; source?: { value?: unknown } | null }> }).body;
  const out: string[] = [];
  const require = createRequire(from);
  for (const node of body) {
    const isImport =
      node.type === 'ImportDeclaration' ||
      node.type === 'ExportAllDeclaration' ||
      node.type === 'ExportNamedDeclaration';
    const specifier = isImport ? node.source?.value : undefined;
    if (typeof specifier !== 'string' || specifier.startsWith('node:')) continue;
    const file = resolveFile(specifier, from, require);
    if (file && /\.(m?js)$/.test(file)) out.push(file);
  }
  return out;
}

function resolveFile(specifier: string, from: string, require: NodeJS.Require): string | null {
  try {
    if (specifier.startsWith('.') || specifier.startsWith('/')) {
      return fileURLToPath(new URL(specifier, pathToFileURL(from)));
    }
    if (specifier.startsWith('file:')) return fileURLToPath(specifier);
    const resolved = require.resolve(specifier);
    return path.isAbsolute(resolved) ? resolved : null;
  } catch {
    return null;
  }
}
