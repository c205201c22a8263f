/** `{% macro %}` and the `caller` of `{% call %}` blocks. */

import { PyError, typeError } from '../python/errors.js';
import { pyRepr } from '../python/repr.js';
import { PyCallable, PyTuple, Undefined, type CallArgs, type PyValue } from '../python/values.js';
import type { Param, Stmt } from '../syntax/ast.js';
import { walk } from '../syntax/walk.js';
import { Scope } from './scope.js';

/** The part of a template run a macro needs to execute its body. */
export interface MacroHost {
  readonly strict: boolean;
  exec(body: Stmt[], scope: Scope, out: string[]): void;
  evaluate(expr: NonNullable<Param['default']>, scope: Scope): PyValue;
}

/**
 * How deep macros may call each other (a macro that calls itself without end): Python stops Jinja2's recursion at
 * its recursion limit (1000 frames, a few per macro call); this stops ours with the same error before the
 * JavaScript stack runs out. Rendering is synchronous, so one counter serves every render of the thread.
 */
export const MAX_MACRO_DEPTH = 300;
let depth = 0;

export class Macro extends PyCallable {
  readonly typeName = 'Macro';
  override readonly module = 'jinja2.runtime';
  /** Like Jinja2, a macro accepts extra arguments and `caller` only if its body mentions them. */
  private readonly catchKwargs: boolean;
  private readonly catchVarargs: boolean;
  private readonly usesCaller: boolean;

  constructor(
    readonly name: string,
    private readonly params: Param[],
    private readonly body: Stmt[],
    private readonly scope: Scope,
    private readonly host: MacroHost,
  ) {
    super();
    // Expression names carry a line; assignment targets of the same kind do not. Blocks are not searched.
    const names = new Set<string>();
    walk(body, (n) => {
      if (n.kind === 'name' && n.line !== undefined) names.add(n.name as string);
      return n.kind !== 'block';
    });
    this.catchKwargs = names.has('kwargs');
    this.catchVarargs = names.has('varargs');
    this.usesCaller = names.has('caller');
  }

  call({ args, kwargs }: CallArgs): PyValue {
    const rest = new Map(kwargs);
    const inner = new Scope(this.scope);
    this.params.forEach((p, i) => {
      let value: PyValue | undefined = args[i];
      if (i >= args.length) {
        value = rest.get(p.name);
        rest.delete(p.name);
      }
      if (value !== undefined) inner.vars.set(p.name, value);
      else if (p.default) inner.vars.set(p.name, this.host.evaluate(p.default, inner));
      else inner.vars.set(p.name, new Undefined(`parameter ${pyRepr(p.name)} was not provided`, this.host.strict));
    });
    if (this.usesCaller) {
      inner.vars.set('caller', rest.get('caller') ?? new Undefined('No caller defined', this.host.strict));
      rest.delete('caller');
    }
    if (this.catchKwargs) inner.vars.set('kwargs', new Map(rest));
    else if (rest.size > 0) {
      const first = [...rest.keys()][0];
      if (first === 'caller')
        throw typeError(
          `macro '${this.name}' was invoked with two values for the special caller argument. This is most likely a bug.`,
        );
      throw typeError(`macro '${this.name}' takes no keyword argument '${first}'`);
    }
    if (this.catchVarargs) inner.vars.set('varargs', new PyTuple(args.slice(this.params.length)));
    else if (args.length > this.params.length)
      throw typeError(`macro '${this.name}' takes not more than ${this.params.length} argument(s)`);
    if (depth >= MAX_MACRO_DEPTH)
      throw new PyError(
        'RecursionError',
        `maximum recursion depth exceeded: macro '${this.name}' called ${MAX_MACRO_DEPTH} levels deep`,
      );
    const out: string[] = [];
    depth++;
    try {
      this.host.exec(this.body, inner, out);
    } finally {
      depth--;
    }
    return out.join('');
  }

  override getAttr(name: string): PyValue | undefined {
    if (name === 'name') return this.name;
    if (name === 'arguments') return new PyTuple(this.params.map((p) => p.name));
    return undefined;
  }

  override repr(): string {
    return `<Macro ${pyRepr(this.name)}>`;
  }
}
