import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { describe, expect, it } from 'vitest';

// Folders without loops (docs/architecture.md, "Layout"): the import graph of apps/server/src, read by
// dependency-cruiser from the TypeScript sources (type-only and dynamic imports included), collapsed so that each
// folder under src/ and each file at its top is one node, must have no cycle.

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const CONFIG = path.join(REPO, '.dependency-cruiser.cjs');

async function cruiseFrom(baseDir: string, targets: string[]): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(CONFIG);
  const tsConfig = { fileName: path.join(REPO, 'tsconfig.base.json') };
  const { output } = await cruise(targets, { ...options, tsConfig, baseDir });
  return output as ICruiseResult;
}

/** Node of a module under `root`: its top-level folder (`api/`), or the file itself when it sits at the top. */
function nodeOf(root: string, source: string): string | null {
  const rel = path.posix.relative(root, source);
  if (rel.startsWith('..')) return null;
  const slash = rel.indexOf('/');
  return slash < 0 ? rel : rel.slice(0, slash + 1);
}

/** The folder-level graph: node → nodes it imports, with one file-level import per edge as the example. */
export function folderGraph(result: ICruiseResult, root: string): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const m of result.modules) {
    const from = nodeOf(root, m.source);
    if (!from) continue;
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const d of m.dependencies) {
      const to = nodeOf(root, d.resolved);
      if (to && to !== from && !edges.has(to)) edges.set(to, `${m.source} → ${d.resolved}`);
    }
  }
  return graph;
}

/** Every cycle of the graph, one per strongly connected component (Tarjan), as its path and its imports. */
export function folderCycles(graph: Map<string, Map<string, string>>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((component) => describeCycle(graph, new Set(component)));
}

/** One loop through a component, e.g. "api/ → jobs/ → api/", with the import behind each arrow. */
function describeCycle(graph: Map<string, Map<string, string>>, component: Set<string>): string {
  const start = [...component].sort()[0]!;
  // breadth-first from start back to start, inside the component
  const prev = new Map<string, string>();
  const queue = [start];
  let last: string | null = null;
  while (queue.length && !last) {
    const v = queue.shift()!;
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        last = v;
        break;
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  const loop = [start];
  for (let v = last!; v !== start; v = prev.get(v)!) loop.splice(1, 0, v);
  loop.push(start);
  const imports = loop.slice(1).map((to, i) => `    ${graph.get(loop[i]!)!.get(to)}`);
  return [`${loop.join(' → ')}`, ...imports].join('\n');
}

describe('apps/server/src layers', () => {
  it('has no import loop between its folders (and top-level files)', async () => {
    const result = await cruiseFrom(REPO, ['apps/server/src']);
    const graph = folderGraph(result, 'apps/server/src');
    expect(graph.size).toBeGreaterThan(10); // the graph was read (api/, jobs/, sandbox/, server.ts, ...)
    expect(graph.get('jobs/')?.has('host-context.ts')).toBe(true); // type-only imports count
    const cycles = folderCycles(graph);
    expect(cycles, `folder-level import loops in apps/server/src:\n${cycles.join('\n')}`).toEqual([]);
  }, 60_000);

  it('reports a loop in a tree that has one, with the imports that make it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bastion-layers-'));
    const write = (file: string, text: string): void => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };
    write('src/a/one.ts', "import type { Two } from '../b/two.js';\nexport type One = Two;\n");
    write('src/b/two.ts', "import { three } from '../top.js';\nexport type Two = typeof three;\n");
    write('src/top.ts', "import type { One } from './a/one.js';\nexport const three = 3;\nexport type T = One;\n");
    write('src/c/leaf.ts', 'export const leaf = 1;\n');
    const result = await cruiseFrom(dir, ['src']);
    const cycles = folderCycles(folderGraph(result, 'src'));
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toMatch(/^a\/ → b\/ → top\.ts → a\/\n/);
    expect(cycles[0]).toContain('src/a/one.ts → src/b/two.ts');
  }, 60_000);

  it("lets @bastion/testkit use only @bastion/server's public entry", async () => {
    const result = await cruiseFrom(REPO, ['packages/testkit/src']);
    const deep = result.modules.flatMap((m) =>
      m.dependencies
        .filter((d) => /^@bastion\/server\//.test(d.module) || /(^|\/)apps\/server\//.test(d.module))
        .map((d) => `${m.source} imports ${d.module}`),
    );
    expect(result.modules.length).toBeGreaterThan(1);
    expect(deep).toEqual([]);
  }, 60_000);
});
