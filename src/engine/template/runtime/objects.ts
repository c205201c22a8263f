/** Runtime objects templates see: namespaces, imported template modules, context-aware functions. */

import { pyRepr } from '../python/repr.js';
import { PyCallable, PyObject, type CallArgs, type PyValue } from '../python/values.js';

/** What Jinja2 passes to `pass_context` functions and filters. */
export interface CallContext {
  /** `ctx.get_all()`: globals, the template's top-level variables and (for calls in a loop) the loop's sets. */
  allVars(): Map<string, PyValue>;
  /** The name of the template being rendered (`ctx.name`). */
  readonly templateName: string | undefined;
  /** Renders a template source with the given variables (for `render`). */
  renderString(source: string, vars: Map<string, PyValue>): string;
  /** Loads a template by name relative to the current one and renders it (for `load_template`). */
  renderTemplate(name: string, vars: Map<string, PyValue>): string;
  /** Reads a file found through the search path (for `load_base64`). */
  readFile(name: string): Buffer;
}

/** A global that needs the calling context (`get_var`, `render`, `load_template`, …). */
export class ContextFunction extends PyCallable {
  readonly typeName = 'function';
  constructor(
    readonly name: string,
    private readonly fn: (ctx: CallContext, call: CallArgs) => PyValue,
  ) {
    super();
  }
  callWithContext(ctx: CallContext, call: CallArgs): PyValue {
    return this.fn(ctx, call);
  }
  call(): PyValue {
    throw new Error(`${this.name} needs a template context`);
  }
  override repr(): string {
    return `<function ${this.name}>`;
  }
}

/** Jinja2's `namespace()`: the one object `{% set ns.attr = … %}` can write to. */
export class Namespace extends PyObject {
  readonly typeName = 'Namespace';
  override readonly module = 'jinja2.utils';
  constructor(readonly attrs: Map<string, PyValue>) {
    super();
  }
  override getAttr(name: string): PyValue | undefined {
    return this.attrs.get(name);
  }
  override getItem(key: PyValue): PyValue | undefined {
    return typeof key === 'string' ? this.attrs.get(key) : undefined;
  }
  override repr(): string {
    return `<Namespace ${pyRepr(new Map(this.attrs))}>`;
  }
}

/** The result of `{% import %}`: the template's exports as attributes; printing it gives its output. */
export class TemplateModule extends PyObject {
  readonly typeName = 'TemplateModule';
  override readonly module = 'jinja2.environment';
  constructor(
    readonly templateName: string,
    readonly exports: Map<string, PyValue>,
    private readonly output: string,
  ) {
    super();
  }
  override getAttr(name: string): PyValue | undefined {
    return name.startsWith('_') ? undefined : this.exports.get(name);
  }
  override str(): string {
    return this.output;
  }
}
