/**
 * Jinja2's compile-time checks: an unknown filter or test fails the template even where it is never reached,
 * except inside an `{% if %}` (Jinja2 compiles those in a "soft" frame and fails only when the code runs).
 */

import { PyError } from '../python/errors.js';
import type { Stmt } from '../syntax/ast.js';
import { bodyFacts } from '../syntax/walk.js';

interface Names {
  filters: ReadonlyMap<string, unknown>;
  tests: ReadonlyMap<string, unknown>;
}

export function checkNames(body: Stmt[], names: Names): void {
  const used = bodyFacts(body).names;
  for (const u of used) {
    if (u.kind === 'filter' && !names.filters.has(u.name)) throw assertion(`No filter named '${u.name}'.`, u.line);
    if (u.kind === 'test' && !names.tests.has(u.name)) throw assertion(`No test named '${u.name}'.`, u.line);
  }
}

function assertion(message: string, line: number): PyError {
  return Object.assign(new PyError('TemplateAssertionError', message), { line });
}
