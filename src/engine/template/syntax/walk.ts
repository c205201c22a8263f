/** Visiting every node of a parsed template (statements, expressions, assignment targets). */

export interface AnyNode {
  kind: string;
  line?: number;
  [field: string]: unknown;
}

/** Calls `visit` on each node, depth first; returning false skips that node's children. */
export function walk(node: unknown, visit: (n: AnyNode) => boolean | void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
  } else if (typeof node === 'object' && node !== null && 'kind' in node && !(node instanceof Map)) {
    if (visit(node as AnyNode) === false) return;
    for (const value of Object.values(node)) if (typeof value === 'object') walk(value, visit);
  }
}
