/**
 * Variable scopes, modelled on what Jinja2's compiler produces:
 * - the template's top level is the root scope; its variables are the template's exports (`context.vars`);
 * - each `for` iteration, macro call, `with`, `filter` block and block gets a child scope, so a `set` inside it
 *   does not leak out (and does not survive into the next iteration);
 * - `if` does not open a scope.
 */

import type { PyValue } from '../python/values.js';

export class Scope {
  readonly vars = new Map<string, PyValue>();
  /** Whether this is a for-loop body's scope. */
  private readonly isLoop: boolean;
  /**
   * In a for-loop body: the names assigned with `set` (Jinja2's `_loop_vars`, seen by context functions); made by the
   * first such `set` (most loop bodies have none: one map fewer per iteration).
   */
  private sets?: Map<string, PyValue>;

  constructor(
    readonly parent: Scope | undefined,
    kind: 'root' | 'loop' | 'local' = 'local',
  ) {
    this.isLoop = kind === 'loop';
  }

  /** Records a `set` of `name` in this scope when it is a loop body's. */
  recordLoopSet(name: string, value: PyValue): void {
    if (this.isLoop) (this.sets ??= new Map()).set(name, value);
  }

  /** The `set`s of this loop body's scope so far (none when it is not one). */
  get loopSets(): ReadonlyMap<string, PyValue> | undefined {
    return this.sets;
  }

  lookup(name: string): PyValue | undefined {
    const v = this.vars.get(name);
    return v !== undefined ? v : this.parent?.lookup(name);
  }

  /** Every visible variable, inner scopes winning (what an `include` passes on). */
  flatten(into: Map<string, PyValue>): Map<string, PyValue> {
    this.parent?.flatten(into);
    for (const [k, v] of this.vars) into.set(k, v);
    return into;
  }

  /** The innermost enclosing for-loop body scope, if any. */
  loopScope(): Scope | undefined {
    return this.isLoop ? this : this.parent?.loopScope();
  }
}
