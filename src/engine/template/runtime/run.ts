/** Executes one template: statements, expressions, includes, imports and template inheritance. */

import { callValue, getAttr, getItem, PySlice } from '../python/access.js';
import { contains, mapSet, toList } from '../python/containers.js';
import { PyError, templateNotFound, typeError, valueError } from '../python/errors.js';
import { arith, negate, plus, pyCompare, pyEq, truthy } from '../python/ops.js';
import { pyRepr, pyStr, typeName } from '../python/repr.js';
import {
  BuiltinFunction,
  PyTuple,
  Undefined,
  isStr,
  orElse,
  strText,
  type CallArgs,
  type PyValue,
} from '../python/values.js';
import type { Args, Expr, Stmt, Target } from '../syntax/ast.js';
import { bodyFacts } from '../syntax/walk.js';
import type { Environment, FilterContext, Template } from './environment.js';
import { PyRange } from '../python/range.js';
import { chargeOutput, chargeSteps, checkStringSize } from '../python/budget.js';
import { listItems, LoopContext, type LoopItems } from './loop.js';
import { Macro } from './macro.js';
import { ContextFunction, Namespace, TemplateModule, type CallContext } from './objects.js';
import { Scope } from './scope.js';

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

interface BlockDef {
  body: Stmt[];
  scoped: boolean;
  run: TemplateRun;
}

type ForStmt = Stmt & { kind: 'for' };

export class TemplateRun {
  /** Set by `{% extends %}`: the parent renders the page, with this template's blocks. */
  private parent?: { template: Template; outputKept: number };

  constructor(
    readonly env: Environment,
    readonly template: Template,
    /** The template's context: environment globals, or what the including template passed on. */
    readonly globals: Map<string, PyValue>,
    readonly root = new Scope(undefined, 'root'),
    private readonly blocks = new Map<string, BlockDef[]>(),
  ) {
    collectBlocks(template.body, this, blocks);
  }

  get strict(): boolean {
    return this.env.strict;
  }

  render(): string {
    const out: string[] = [];
    this.exec(this.template.body, this.root, out);
    if (!this.parent) return out.join('');
    const parentRun = new TemplateRun(this.env, this.parent.template, this.globals, this.root, this.blocks);
    return out.slice(0, this.parent.outputKept).join('') + parentRun.render();
  }

  exec(body: Stmt[], scope: Scope, out: string[]): void {
    for (const stmt of body) {
      try {
        this.execStmt(stmt, scope, out);
      } catch (e) {
        throw this.annotate(e, stmt.line);
      }
    }
  }

  /** Gives an error the innermost template position it passed through. */
  private annotate(e: unknown, line: number): unknown {
    if (e === BREAK || e === CONTINUE) return e;
    // Plain string tests first: on an exhausted stack a regular expression cannot even be compiled.
    const stack = e instanceof RangeError && e.message.startsWith('Maximum call stack');
    const err =
      e instanceof PyError
        ? e
        : stack
          ? new PyError('RecursionError', 'maximum recursion depth exceeded')
          : e instanceof RangeError &&
              /^Invalid (string|array|typed array) length|Array buffer allocation/.test(e.message)
            ? new PyError('MemoryError', `a string or list too large for the render (${e.message})`)
            : new PyError(
                e instanceof RangeError ? 'RecursionError' : 'InternalError',
                e instanceof Error ? e.message : String(e),
              );
    if (err.line === undefined) err.line = line;
    err.templateName ??= this.template.path;
    return err;
  }

  private execStmt(stmt: Stmt, scope: Scope, out: string[]): void {
    chargeSteps();
    switch (stmt.kind) {
      case 'data':
        chargeOutput(stmt.text.length);
        out.push(stmt.text);
        return;
      case 'print':
        for (const expr of stmt.exprs) {
          const text = pyStr(this.evaluate(expr, scope));
          chargeOutput(text.length);
          out.push(text);
        }
        return;
      case 'if':
        this.exec(truthy(this.evaluate(stmt.test, scope)) ? stmt.body : stmt.otherwise, scope, out);
        return;
      case 'for':
        this.execFor(stmt, scope, out, this.evaluate(stmt.iter, scope), 0);
        return;
      case 'set':
        this.assign(stmt.target, this.evaluate(stmt.value, scope), scope, true);
        return;
      case 'setblock': {
        const value = this.capture(stmt.body, scope);
        this.assign(stmt.target, stmt.filter ? this.applyFilters(stmt.filter, value, scope) : value, scope, true);
        return;
      }
      case 'with': {
        const inner = new Scope(scope);
        const values = stmt.assigns.map((a) => this.evaluate(a.value, scope));
        stmt.assigns.forEach((a, i) => this.assign(a.target, values[i], inner, false));
        this.exec(stmt.body, inner, out);
        return;
      }
      case 'macro':
        this.assign(
          { kind: 'name', name: stmt.name },
          new Macro(stmt.name, stmt.params, stmt.body, scope, this),
          scope,
          false,
        );
        return;
      case 'callblock': {
        const caller = new Macro('caller', stmt.params, stmt.body, scope, this);
        out.push(pyStr(this.call(stmt.call, scope, caller)));
        return;
      }
      case 'filterblock':
        out.push(pyStr(this.applyFilters(stmt.filter, this.capture(stmt.body, scope), scope)));
        return;
      case 'include':
        this.include(stmt, scope, out);
        return;
      case 'import':
        this.assign(
          { kind: 'name', name: stmt.alias },
          this.importModule(stmt.template, stmt.withContext, scope),
          scope,
          false,
        );
        return;
      case 'fromimport': {
        const module = this.importModule(stmt.template, stmt.withContext, scope);
        for (const { name, alias } of stmt.names) {
          const value = orElse(
            module.getAttr(name),
            () =>
              new Undefined(
                `the template ${pyRepr(module.templateName)} (imported on line ${stmt.line}) does not export the requested name ${pyRepr(name)}`,
                this.strict,
              ),
          );
          this.assign({ kind: 'name', name: alias }, value, scope, false);
        }
        return;
      }
      case 'block':
        // After `extends`, the parent template renders the blocks.
        if (!this.parent) out.push(this.renderBlock(stmt.name, 0, scope));
        return;
      case 'extends': {
        if (this.parent) throw new PyError('TemplateRuntimeError', 'extended multiple times');
        const name = this.evaluate(stmt.template, scope);
        this.parent = { template: this.loadTemplate(name), outputKept: out.length };
        return;
      }
      case 'break':
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a control-flow sentinel, always caught by the enclosing loop (line 213)
        throw BREAK;
      case 'continue':
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a control-flow sentinel, always caught by the enclosing loop (line 213)
        throw CONTINUE;
    }
  }

  /** Renders a body into a string in its own scope (block `set`, `filter` blocks). */
  private capture(body: Stmt[], scope: Scope): string {
    const out: string[] = [];
    this.exec(body, new Scope(scope), out);
    return out.join('');
  }

  private execFor(stmt: ForStmt, scope: Scope, out: string[], iterable: PyValue, depth0: number): void {
    let items: LoopItems;
    if (iterable instanceof PyRange && !stmt.filter) {
      // Lazy, as in Jinja2: a loop over range(10**9) that breaks early allocates nothing.
      items = { length: iterable.len(), get: (i) => iterable.getItem(BigInt(i))! };
    } else {
      let list = toList(iterable);
      if (stmt.filter) {
        const filter = stmt.filter;
        list = list.filter((item) => {
          chargeSteps();
          const test = new Scope(scope);
          this.assign(stmt.target, item, test, false);
          return truthy(this.evaluate(filter, test));
        });
      }
      items = listItems(list);
    }
    if (items.length === 0) {
      this.exec(stmt.otherwise, new Scope(scope), out);
      return;
    }
    const recurse = stmt.recursive
      ? (next: PyValue) => {
          const buf: string[] = [];
          this.execFor(stmt, scope, buf, next, depth0 + 1);
          return buf.join('');
        }
      : undefined;
    const loop = new LoopContext(items, depth0, this.strict, recurse);
    for (let i = 0; i < items.length; i++) {
      chargeSteps();
      loop.index0 = i;
      const body = new Scope(scope, 'loop');
      body.vars.set('loop', loop);
      this.assign(stmt.target, items.get(i), body, false);
      try {
        this.exec(stmt.body, body, out);
      } catch (e) {
        if (e === BREAK) break;
        if (e !== CONTINUE) throw e;
      }
    }
  }

  private assign(target: Target, value: PyValue, scope: Scope, viaSet: boolean): void {
    switch (target.kind) {
      case 'name':
        scope.vars.set(target.name, value);
        if (viaSet) scope.recordLoopSet(target.name, value);
        return;
      case 'nsattr': {
        const ns = this.lookup(target.ns, scope);
        if (!(ns instanceof Namespace))
          throw new PyError('TemplateRuntimeError', 'cannot assign attribute on non-namespace object');
        ns.attrs.set(target.attr, value);
        return;
      }
      case 'tuple': {
        const items = toList(value);
        const n = target.items.length;
        if (items.length < n) throw valueError(`not enough values to unpack (expected ${n}, got ${items.length})`);
        if (items.length > n) throw valueError(`too many values to unpack (expected ${n})`);
        target.items.forEach((t, i) => this.assign(t, items[i], scope, viaSet));
      }
    }
  }

  private lookup(name: string, scope: Scope): PyValue {
    return orElse(scope.lookup(name), () =>
      orElse(this.globals.get(name), () => new Undefined(`'${name}' is undefined`, this.strict)),
    );
  }

  evaluate(e: Expr, scope: Scope): PyValue {
    try {
      return this.evalExpr(e, scope);
    } catch (err) {
      throw this.annotate(err, e.line);
    }
  }

  private evalExpr(e: Expr, scope: Scope): PyValue {
    // `this.evalExpr(x, scope)` written out, not a helper closure: that would be one more allocation per expression,
    // which a one-shot render (the CLI), mostly running cold code, pays for every expression it evaluates.
    switch (e.kind) {
      case 'const':
        return e.value;
      case 'name':
        return this.lookup(e.name, scope);
      case 'getattr':
        return getAttr(this.evalExpr(e.obj, scope), e.attr, this.strict);
      case 'getitem': {
        const obj = this.evalExpr(e.obj, scope);
        const k = e.key;
        const key =
          k.kind === 'slice'
            ? new PySlice(
                k.start ? this.evalExpr(k.start, scope) : null,
                k.stop ? this.evalExpr(k.stop, scope) : null,
                k.step ? this.evalExpr(k.step, scope) : null,
              )
            : this.evalExpr(k, scope);
        return getItem(obj, key, this.strict);
      }
      case 'slice':
        throw typeError('slice outside of a subscript');
      case 'tuple':
        return new PyTuple(e.items.map((x) => this.evalExpr(x, scope)));
      case 'list':
        return e.items.map((x) => this.evalExpr(x, scope));
      case 'dict': {
        const d = new Map<PyValue, PyValue>();
        for (const { key, value } of e.pairs) {
          const k = this.evalExpr(key, scope);
          if (Array.isArray(k) || k instanceof Map) throw typeError(`unhashable type: '${typeName(k)}'`);
          mapSet(d, k, this.evalExpr(value, scope));
        }
        return d;
      }
      case 'binary':
        return arith(e.op, this.evalExpr(e.left, scope), this.evalExpr(e.right, scope));
      case 'neg':
        return negate(this.evalExpr(e.operand, scope));
      case 'pos':
        return plus(this.evalExpr(e.operand, scope));
      case 'not':
        return !truthy(this.evalExpr(e.operand, scope));
      case 'and': {
        const left = this.evalExpr(e.left, scope);
        return truthy(left) ? this.evalExpr(e.right, scope) : left;
      }
      case 'or': {
        const left = this.evalExpr(e.left, scope);
        return truthy(left) ? left : this.evalExpr(e.right, scope);
      }
      case 'compare': {
        let left = this.evalExpr(e.first, scope);
        for (const { op, expr } of e.ops) {
          const right = this.evalExpr(expr, scope);
          if (!compare(op, left, right)) return false;
          left = right;
        }
        return true;
      }
      case 'concat': {
        const text = e.parts.map((p) => pyStr(this.evalExpr(p, scope))).join('');
        checkStringSize(text.length);
        return text;
      }
      case 'cond':
        if (truthy(this.evalExpr(e.test, scope))) return this.evalExpr(e.then, scope);
        if (e.otherwise) return this.evalExpr(e.otherwise, scope);
        // Jinja2 uses the plain (lenient) Undefined here, even with StrictUndefined.
        return new Undefined(
          `the inline if-expression on line ${e.line} evaluated to false and no else section was defined.`,
          false,
          false,
        );
      case 'call':
        return this.call(e, scope);
      case 'filter':
        return this.filterContext(scope).callFilter(
          e.name,
          this.evalExpr(e.value!, scope),
          this.evalArgs(e.args, scope),
        );
      case 'test':
        return this.filterContext(scope).callTest(e.name, this.evalExpr(e.value, scope), this.evalArgs(e.args, scope));
    }
  }

  /** Applies a filter chain whose innermost filter has no value of its own (`{% filter %}`, `{% set x | f %}`). */
  private applyFilters(chain: Expr, value: PyValue, scope: Scope): PyValue {
    if (chain.kind !== 'filter') return this.evaluate(chain, scope);
    const input = chain.value ? this.applyFilters(chain.value, value, scope) : value;
    return this.filterContext(scope).callFilter(chain.name, input, this.evalArgs(chain.args, scope));
  }

  private evalArgs(args: Args, scope: Scope): CallArgs {
    const positional = args.positional.map((a) => this.evalExpr(a, scope));
    if (args.star) positional.push(...toList(this.evalExpr(args.star, scope)));
    const kwargs = new Map<string, PyValue>();
    for (const { name, value } of args.keyword) kwargs.set(name, this.evalExpr(value, scope));
    if (args.starStar) {
      const extra = this.evalExpr(args.starStar, scope);
      if (!(extra instanceof Map)) throw typeError(`argument after ** must be a mapping, not ${typeName(extra)}`);
      for (const [k, v] of extra) {
        if (!isStr(k)) throw typeError('keywords must be strings');
        kwargs.set(strText(k), v);
      }
    }
    return { args: positional, kwargs };
  }

  private call(e: Expr & { kind: 'call' }, scope: Scope, caller?: Macro): PyValue {
    const fn = this.evalExpr(e.callee, scope);
    const call = this.evalArgs(e.args, scope);
    if (caller) call.kwargs.set('caller', caller);
    if (fn instanceof ContextFunction) return fn.callWithContext(this.context(scope, true), call);
    return callValue(fn, call);
  }

  /** `ctx.get_all()`: the template context plus, for calls (not filters) inside a loop, that loop's `set`s. */
  private contextVars(scope: Scope, withLoopSets: boolean): Map<string, PyValue> {
    const all = new Map(this.globals);
    for (const [k, v] of this.root.vars) all.set(k, v);
    const loopSets = withLoopSets ? scope.loopScope()?.loopSets : undefined;
    for (const [k, v] of loopSets ?? []) all.set(k, v);
    return all;
  }

  private context(scope: Scope, withLoopSets: boolean): CallContext {
    // Written out: an object spread here cost more than the rest of a small template's render.
    const { templateName, renderString, renderTemplate, readFile } = this.scopeFree;
    return {
      allVars: () => this.contextVars(scope, withLoopSets),
      templateName,
      renderString,
      renderTemplate,
      readFile,
    };
  }

  /** What a call context holds that does not depend on the scope: made once per run. */
  private get scopeFree(): Omit<CallContext, 'allVars'> {
    this.scopeFreeContext ??= {
      templateName: this.template.name,
      renderString: (source, vars) =>
        new TemplateRun(
          this.env,
          this.env.fromString(source, '<template>'),
          new Map([...this.env.globals, ...vars]),
        ).render(),
      renderTemplate: (name, vars) =>
        new TemplateRun(this.env, this.loadTemplate(name), new Map([...this.env.globals, ...vars])).render(),
      readFile: (name) => {
        const path = this.env.loader.find(name);
        if (path === undefined) throw templateNotFound(name);
        return this.env.loader.read(path);
      },
    };
    return this.scopeFreeContext;
  }
  private scopeFreeContext?: Omit<CallContext, 'allVars'>;

  /** One per scope: the context is a function of this run and the scope only, and a loop calls filters often. */
  private readonly filterContexts = new WeakMap<Scope, FilterContext>();

  private filterContext(scope: Scope): FilterContext {
    const known = this.filterContexts.get(scope);
    if (known) return known;
    const { templateName, renderString, renderTemplate, readFile } = this.scopeFree;
    const ctx: FilterContext = {
      allVars: () => this.contextVars(scope, false),
      templateName,
      renderString,
      renderTemplate,
      readFile,
      env: this.env,
      callFilter: (name, value, call) => {
        const filter = this.env.filters.get(name);
        if (!filter) throw new PyError('TemplateRuntimeError', `No filter named '${name}'.`);
        return filter(ctx, value, call);
      },
      callTest: (name, value, call) => {
        const test = this.env.tests.get(name);
        if (!test) throw new PyError('TemplateRuntimeError', `No test named '${name}'.`);
        return test(ctx, value, call);
      },
    };
    this.filterContexts.set(scope, ctx);
    return ctx;
  }

  /** Resolves a template reference (a name, or a list of names: the first that exists). */
  private loadTemplate(ref: PyValue): Template {
    const names = Array.isArray(ref) || ref instanceof PyTuple ? toList(ref) : [ref];
    for (const name of names) {
      const template = this.env.getTemplate(pyStr(name), this.template.name);
      if (template) return template;
    }
    if (names.length === 1) throw templateNotFound(pyStr(names[0]));
    throw new PyError('TemplatesNotFound', `none of the templates given were found: ${names.map(pyStr).join(', ')}`);
  }

  /** The variables an `include`/`import … with context` passes on: the whole context and every local. */
  private passedOn(scope: Scope): Map<string, PyValue> {
    return scope.flatten(new Map(this.globals));
  }

  private include(stmt: Stmt & { kind: 'include' }, scope: Scope, out: string[]): void {
    let template: Template;
    try {
      template = this.loadTemplate(this.evaluate(stmt.template, scope));
    } catch (e) {
      if (
        stmt.ignoreMissing &&
        e instanceof PyError &&
        (e.pyType === 'TemplateNotFound' || e.pyType === 'TemplatesNotFound')
      )
        return;
      throw e;
    }
    out.push(new TemplateRun(this.env, template, stmt.withContext ? this.passedOn(scope) : this.env.globals).render());
  }

  private importModule(ref: Expr, withContext: boolean, scope: Scope): TemplateModule {
    const template = this.loadTemplate(this.evaluate(ref, scope));
    const run = new TemplateRun(this.env, template, withContext ? this.passedOn(scope) : this.env.globals);
    const output = run.render();
    return new TemplateModule(template.name ?? '', run.root.vars, output);
  }

  private renderBlock(name: string, index: number, scope: Scope): string {
    const chain = this.blocks.get(name)!;
    const block = chain[index];
    const inner = new Scope(block.scoped ? scope : this.root, 'loop');
    if (index + 1 < chain.length) {
      inner.vars.set('super', new BuiltinFunction('super', () => this.renderBlock(name, index + 1, scope)));
    }
    const out: string[] = [];
    block.run.exec(block.body, inner, out);
    return out.join('');
  }
}

function compare(op: string, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEq(a, b);
    case '!=':
      return !pyEq(a, b);
    case 'in':
      return contains(b, a);
    case 'notin':
      return !contains(b, a);
    default:
      return pyCompare(a, b, op as '<');
  }
}

/** Registers every `{% block %}` of a template (at any depth) after the overrides of derived templates. */
function collectBlocks(body: Stmt[], run: TemplateRun, blocks: Map<string, BlockDef[]>): void {
  const found = bodyFacts(body).blocks as unknown as (Stmt & { kind: 'block' })[];
  for (const stmt of found)
    blocks.set(stmt.name, [...(blocks.get(stmt.name) ?? []), { body: stmt.body, scoped: stmt.scoped, run }]);
}
