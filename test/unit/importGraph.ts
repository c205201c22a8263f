/**
 * The import graph of src/, read with the TypeScript parser (not regexes), and the rules the architecture test
 * holds it to: no cycles between files or between directories, no import from a lower layer into a higher one, and
 * no barrels (a name is imported from the file that declares it, never through a re-export).
 * Type-only imports count: a cycle of types is still two concepts that cannot be understood one at a time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  from: string;
  to: string;
  line: number;
}

/** Files keyed by their path relative to the root (forward slashes), each with the project files it imports. */
export type ImportGraph = Map<string, ImportEdge[]>;

export function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
    })
    .sort();
}

/** Every relative import of every .ts file under root, resolved to a file under root. */
export function readImportGraph(root: string, files: Record<string, string> = readTree(root)): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [file, text] of Object.entries(files)) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    const edges: ImportEdge[] = [];
    const add = (specifier: string, node: ts.Node) => {
      if (!specifier.startsWith('.')) return;
      const to = resolve(file, specifier, files);
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      if (to) edges.push({ from: file, to, line });
    };
    const visit = (node: ts.Node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
        if (ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text, node);
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        add(node.arguments[0].text, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    graph.set(file, edges);
  }
  return graph;
}

/** The text of every .ts file under root, keyed by its path relative to root (forward slashes). */
export function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const full of sourceFiles(root)) out[toPosix(path.relative(root, full))] = fs.readFileSync(full, 'utf8');
  return out;
}

function resolve(from: string, specifier: string, files: Record<string, string>): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => c in files);
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Strongly connected components with more than one member (or a self-loop), each sorted, as cycles. */
export function cycles(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; it: Iterator<string> }> = [];
    const open = (node: string) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, it: next(node)[Symbol.iterator]() });
    };
    open(start);
    while (work.length) {
      const top = work[work.length - 1];
      const step = top.it.next();
      if (!step.done) {
        const w = step.value;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        if (w === top.node) out.push([w]);
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.node);
        if (component.length > 1) out.push(component.sort());
      }
    }
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

export function fileCycles(graph: ImportGraph): string[][] {
  return cycles(graph.keys(), (file) => (graph.get(file) ?? []).map((e) => e.to));
}

/**
 * Cycles between directories, each directory being the set of files directly in it. A subdirectory is a part of its
 * parent (kustomize/patches of kustomize, extension/tree of extension): imports between a directory and one of its
 * ancestors do not count, imports between unrelated directories do.
 */
export function directoryCycles(graph: ImportGraph): string[][] {
  const deps = new Map<string, Set<string>>();
  const nested = (a: string, b: string) => a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  for (const [file, edges] of graph) {
    const from = path.posix.dirname(file);
    const set = deps.get(from) ?? deps.set(from, new Set()).get(from)!;
    for (const e of edges) {
      const to = path.posix.dirname(e.to);
      if (to !== from && !nested(from, to)) set.add(to);
    }
  }
  return cycles(deps.keys(), (dir) => deps.get(dir) ?? []);
}

/**
 * The layer of a file: the first entry of the table whose directory contains it. Higher numbers may import lower
 * ones and their own layer, never a higher one or a sibling of the same rank (gitops and engine do not know each
 * other; cli and extension do not either).
 */
export interface Layer {
  name: string;
  rank: number;
  /** Directories (relative to the root) or single files. */
  paths: string[];
}

export function layerOf(file: string, layers: readonly Layer[]): Layer | undefined {
  return layers.find((l) => l.paths.some((p) => file === p || file.startsWith(`${p}/`)));
}

export function layerViolations(graph: ImportGraph, layers: readonly Layer[]): string[] {
  const out: string[] = [];
  for (const [file, edges] of graph) {
    const from = layerOf(file, layers);
    if (!from) {
      out.push(`${file} belongs to no layer`);
      continue;
    }
    for (const e of edges) {
      const to = layerOf(e.to, layers);
      if (!to || to === from) continue;
      if (to.rank >= from.rank)
        out.push(`${file}:${e.line} (${from.name}) imports ${e.to} (${to.name}), which is not below it`);
    }
  }
  return out;
}

/**
 * Every re-export, as `file:line` and what it re-exports: `export … from '…'` (a barrel's `export *` included) and
 * `export { x }` of a name the file imported. Without them each name has one home, the file that declares it, and
 * a reader (or the layer check) sees the real dependency instead of a door that leads somewhere else.
 */
export function reExports(files: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    const imported = new Set<string>();
    for (const st of source.statements) {
      const clause = ts.isImportDeclaration(st) ? st.importClause : undefined;
      if (!clause) continue;
      if (clause.name) imported.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) imported.add(bindings.name.text);
      else if (bindings) for (const el of bindings.elements) imported.add(el.name.text);
    }
    for (const st of source.statements) {
      if (!ts.isExportDeclaration(st)) continue;
      const line = source.getLineAndCharacterOfPosition(st.getStart(source)).line + 1;
      if (st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
        out.push(`${file}:${line} re-exports from '${st.moduleSpecifier.text}'`);
      } else if (st.exportClause && ts.isNamedExports(st.exportClause)) {
        const names = st.exportClause.elements.map((el) => (el.propertyName ?? el.name).text);
        for (const name of names.filter((n) => imported.has(n)))
          out.push(`${file}:${line} re-exports its import '${name}'`);
      }
    }
  }
  return out.sort();
}
