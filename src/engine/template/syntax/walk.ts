/** Visiting every node of a parsed template (statements, expressions, assignment targets). */

export interface AnyNode {
  kind: string;
  line?: number;
  [field: string]: unknown;
}

/** Calls `visit` on each node, depth first; returning false skips that node's children. */
export function walk(node: unknown, visit: (n: AnyNode) => boolean | void): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i];
      if (typeof child === 'object' && child !== null) walk(child, visit);
    }
  } else if (typeof node === 'object' && node !== null && 'kind' in node && !(node instanceof Map)) {
    if (visit(node as AnyNode) === false) return;
    // for-in over the node's own fields (plain objects): no array of values per node, every template is walked.
    for (const key in node) {
      const value = (node as Record<string, unknown>)[key];
      if (typeof value === 'object' && value !== null) walk(value, visit);
    }
  }
}

/** What the runtime looks up in a parsed template body before running it. */
export interface BodyFacts {
  /** The `{% block %}` statements at any depth, in walk order. */
  blocks: AnyNode[];
  /** The filters and tests named outside `{% if %}` statements, in walk order (runtime/check.ts). */
  names: { kind: 'filter' | 'test'; name: string; line: number }[];
}

const factsOfBody = new WeakMap<object, BodyFacts>();

/**
 * The facts of `body`, found the first time and remembered with the body (every template is walked once per
 * process). Two walks with the one walker: a walker of its own for both at once measured no faster.
 */
export function bodyFacts(body: object): BodyFacts {
  let facts = factsOfBody.get(body);
  if (!facts) {
    const found: BodyFacts = { blocks: [], names: [] };
    walk(body, (n) => {
      if (n.kind === 'block') found.blocks.push(n);
    });
    walk(body, (n) => {
      if (n.kind === 'if' && 'body' in n) return false;
      if (n.kind === 'filter' || n.kind === 'test')
        found.names.push({ kind: n.kind, name: n.name as string, line: n.line! });
    });
    factsOfBody.set(body, (facts = found));
  }
  return facts;
}
