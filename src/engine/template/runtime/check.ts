/**
 * Jinja2's compile-time checks: an unknown filter or test fails the template even where it is never reached,
 * except inside an `{% if %}` (Jinja2 compiles those in a "soft" frame and fails only when the code runs).
 */

import { PyError } from '../python/errors.js';
import type { Stmt } from '../syntax/ast.js';
import { walk } from '../syntax/walk.js';

interface Names {
  filters: Map<string, unknown>;
  tests: Map<string, unknown>;
}

export function checkNames(body: Stmt[], names: Names): void {
  walk(body, (n) => {
    if (n.kind === 'if' && 'body' in n) return false;
    if (n.kind === 'filter' && !names.filters.has(n.name as string))
      throw assertion(`No filter named '${String(n.name)}'.`, n.line!);
    if (n.kind === 'test' && !names.tests.has(n.name as string))
      throw assertion(`No test named '${String(n.name)}'.`, n.line!);
  });
}

function assertion(message: string, line: number): PyError {
  return Object.assign(new PyError('TemplateAssertionError', message), { line });
}
