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
