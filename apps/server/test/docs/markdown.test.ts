import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lexer, marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(path.join(dir, e.name)) : e.name.endsWith('.md') ? [path.join(dir, e.name)] : [],
  );
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * What is wrong with the code fences of a Markdown text, as a renderer sees it: a fenced block that never closes
 * (it swallows the rest of the file), or one whose text holds a fence line — a closing fence with text after it
 * (which does not close) makes the block run on into the prose and the next block.
 */
function fenceProblems(markdown: string): string[] {
  const problems: string[] = [];
  const tokens = new Lexer().lex(markdown);
  marked.walkTokens(tokens, (token: Token) => {
    if (token.type !== 'code') return;
    const code = token as Tokens.Code;
    const opening = FENCE_LINE.exec(code.raw);
    if (!opening?.[1]) return; // an indented block, not a fence
    const first = code.raw.split('\n', 1)[0] ?? '';
    const line = markdown.slice(0, markdown.indexOf(code.raw)).split('\n').length;
    const closing = code.raw.trimEnd().split('\n').at(-1) ?? '';
    const closes =
      code.raw.trimEnd().split('\n').length > 1 &&
      new RegExp(`^ {0,3}${opening[1][0]}{${opening[1].length},}\\s*$`).test(closing);
    if (!closes) problems.push(`line ${line}: the fence '${first.trim()}' is never closed`);
    const inner = code.text.split('\n').find((l) => FENCE_LINE.test(l));
    if (inner !== undefined) problems.push(`line ${line}: the fenced block holds a fence line '${inner.trim()}'`);
  });
  return problems;
}

const FILES = [path.join(REPO_ROOT, 'README.md'), ...markdownFiles(path.join(REPO_ROOT, 'docs'))];

describe('Markdown renders as written', () => {
  it('finds the documentation', () => {
    expect(FILES.length).toBeGreaterThan(5);
  });

  it.each(FILES.map((f) => [path.relative(REPO_ROOT, f), f]))('%s: every code fence closes cleanly', (_rel, file) => {
    const text = readFileSync(file, 'utf8');
    expect(fenceProblems(text)).toEqual([]);
    // It renders, and no fence marker is left over as text or inside a code block.
    const html = marked.parse(text, { async: false });
    expect(html).not.toMatch(/```|~~~/);
  });

  it('catches an unclosed fence and a closing fence with text after it', () => {
    expect(fenceProblems('# A\n\n```sh\nnpm test\n\n## B\n')).toEqual(["line 3: the fence '```sh' is never closed"]);
    const polluted = '```json\n[1]\n``` With no key\nprose\n\n## Config\n\n```json\n{}\n```\n';
    expect(fenceProblems(polluted)).toEqual(["line 1: the fenced block holds a fence line '``` With no key'"]);
    expect(fenceProblems('```json\n[1]\n```\n\nprose\n')).toEqual([]);
  });
});
