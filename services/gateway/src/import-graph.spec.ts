import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The gateway's layout: one folder per feature (its services, its routes, their specs) plus `http/`, the app-level
// HTTP pieces every feature builds on (route registry, error handler, health routes, input rules, session cookie,
// token watch, credential validity). This test reads the relative imports of every source file and test fixture (not
// the specs, which may reach across folders) and fails when
//   (a) a file in `http/` imports from a feature folder (features depend on `http/`, never the reverse), or
//   (b) the folders import each other in a cycle (none is allowed: the wallboard, once wired by the KPI feature,
//       has its own feature factory and reads the KPI figures through a port of its own).
// Files at the root of src/ (main.ts, app.ts, logger.ts, …) are not in any folder: the composition files may import
// anything, and a folder may import a root module.
const root = fileURLToPath(new URL('.', import.meta.url));
const HTTP = 'http';

/** Paths relative to src/, with '/' separators. */
const posix = (p: string) => p.split(sep).join('/');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.spec.ts') ? [posix(relative(root, p))] : [];
  });
}

// `import … from '…'`, `export … from '…'` (type-only too, clauses over several lines), `import '…'`, and the
// `import('…')` of dynamic imports and inline types.
const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+)\s+from\s*['"]([^'"]+)['"]/gm;
const BARE = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative imports of a file, each resolved to the .ts file it names (relative to src/). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(STATIC), ...text.matchAll(BARE), ...text.matchAll(DYNAMIC)].map((m) => m[1] as string);
  const resolved = specifiers.filter((s) => s.startsWith('.')).map((s) => posix(normalize(join(dirname(file), s))).replace(/\.js$/, '.ts'));
  return [...new Set(resolved)];
}

/** The top-level folder a path is in; undefined for a file at the root of src/ or outside it. */
const folderOf = (p: string): string | undefined => (p.startsWith('../') || !p.includes('/') ? undefined : p.slice(0, p.indexOf('/')));

const files = sources(root);
const imports = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));

/** Folder → folders it imports from, with the file imports behind each edge. */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const { from, to } of imports) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (!a || !b || a === b) continue;
    const out = graph.get(a) ?? graph.set(a, new Map()).get(a)!;
    out.set(b, [...(out.get(b) ?? []), `${from} → ${to}`]);
  }
  return graph;
}

/** Strongly connected components of more than one folder (Tarjan): each is a set of folders in a cycle. */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
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
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** A cycle with the file imports behind each of its edges, for the failure message. */
function describeCycle(graph: Map<string, Map<string, string[]>>, folders: string[]): string[] {
  return folders.flatMap((a) => [...(graph.get(a) ?? [])].filter(([b]) => folders.includes(b)).flatMap(([b, why]) => why.map((w) => `${a} → ${b}: ${w}`)));
}

describe('gateway import graph', () => {
  it('reads the imports it checks', () => {
    // Guards the parsing: the composition file's imports and a feature's type-only and inline imports are seen.
    expect(files).toContain('main.ts');
    expect(imports).toContainEqual({ from: 'main.ts', to: 'app.ts' });
    expect(imports).toContainEqual({ from: 'control/call-control.routes.ts', to: 'http/route.registry.ts' });
    expect(imports).toContainEqual({ from: 'control/call-control.routes.ts', to: 'control/supervision.service.ts' });
    for (const { to } of imports) if (!to.startsWith('../')) expect(existsSync(join(root, to)), to).toBe(true);
  });

  it('http/ imports nothing from the feature folders', () => {
    const backwards = imports.filter(({ from, to }) => folderOf(from) === HTTP && folderOf(to) !== undefined && folderOf(to) !== HTTP);
    expect(backwards.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
  });

  it('http/ imports no composition file (main.ts, app.ts, *.main.ts)', () => {
    const upwards = imports.filter(({ from, to }) => folderOf(from) === HTTP && /^(app|main|[\w.-]+\.main)\.ts$/.test(to));
    expect(upwards.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const graph = folderGraph();
    expect(cycles(graph).map((c) => describeCycle(graph, c))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const graph = new Map([
      ['kpi', new Map([['wallboard', ['kpi/a.ts → wallboard/b.ts']]])],
      ['wallboard', new Map([['kpi', ['wallboard/b.ts → kpi/a.ts']]])],
      ['http', new Map<string, string[]>()],
    ]);
    expect(cycles(graph)).toEqual([['kpi', 'wallboard']]);
    expect(describeCycle(graph, ['kpi', 'wallboard'])).toEqual(['kpi → wallboard: kpi/a.ts → wallboard/b.ts', 'wallboard → kpi: wallboard/b.ts → kpi/a.ts']);
  });
});
