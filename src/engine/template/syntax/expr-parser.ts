/** Jinja2's expression grammar, with its precedence (which differs from Python's around `~`, filters and tests). */

import type { Args, BinaryOp, CompareOp, Expr } from './ast.js';
import { describe, type TokenStream } from './tokens.js';

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const MATH2_OPS = new Set(['*', '/', '//', '%']);

export class ExprParser {
  constructor(protected readonly s: TokenStream) {}

  parseExpression(withCondexpr = true): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    const line = this.s.current.line;
    let expr = this.parseOr();
    while (this.s.skip('name', 'if')) {
      const test = this.parseOr();
      const otherwise = this.s.skip('name', 'else') ? this.parseCondexpr() : undefined;
      expr = { kind: 'cond', test, then: expr, otherwise, line };
    }
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.s.skip('name', 'or')) left = { kind: 'or', left, right: this.parseAnd(), line: left.line };
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.s.skip('name', 'and')) left = { kind: 'and', left, right: this.parseNot(), line: left.line };
    return left;
  }

  private parseNot(): Expr {
    const line = this.s.current.line;
    if (this.s.skip('name', 'not')) return { kind: 'not', operand: this.parseNot(), line };
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const first = this.parseMath1();
    const ops: { op: CompareOp; expr: Expr }[] = [];
    for (;;) {
      const t = this.s.current;
      if (t.type === 'op' && COMPARE_OPS.has(t.value)) {
        this.s.next();
        ops.push({ op: t.value as CompareOp, expr: this.parseMath1() });
      } else if (this.s.skip('name', 'in')) {
        ops.push({ op: 'in', expr: this.parseMath1() });
      } else if (this.s.test('name', 'not') && this.s.look().type === 'name' && this.s.look().value === 'in') {
        this.s.next();
        this.s.next();
        ops.push({ op: 'notin', expr: this.parseMath1() });
      } else break;
    }
    return ops.length === 0 ? first : { kind: 'compare', first, ops, line: first.line };
  }

  private parseMath1(): Expr {
    let left = this.parseConcat();
    while (this.s.test('op', '+') || this.s.test('op', '-')) {
      const op = this.s.next().value as BinaryOp;
      left = { kind: 'binary', op, left, right: this.parseConcat(), line: left.line };
    }
    return left;
  }

  private parseConcat(): Expr {
    const parts = [this.parseMath2()];
    while (this.s.skip('op', '~')) parts.push(this.parseMath2());
    return parts.length === 1 ? parts[0] : { kind: 'concat', parts, line: parts[0].line };
  }

  private parseMath2(): Expr {
    let left = this.parsePow();
    while (this.s.current.type === 'op' && MATH2_OPS.has(this.s.current.value)) {
      const op = this.s.next().value as BinaryOp;
      left = { kind: 'binary', op, left, right: this.parsePow(), line: left.line };
    }
    return left;
  }

  private parsePow(): Expr {
    let left = this.parseUnary();
    while (this.s.skip('op', '**'))
      left = { kind: 'binary', op: '**', left, right: this.parseUnary(), line: left.line };
    return left;
  }

  private parseUnary(withFilter = true): Expr {
    const line = this.s.current.line;
    let node: Expr;
    if (this.s.skip('op', '-')) node = { kind: 'neg', operand: this.parseUnary(false), line };
    else if (this.s.skip('op', '+')) node = { kind: 'pos', operand: this.parseUnary(false), line };
    else node = this.parsePrimary();
    node = this.parsePostfix(node);
    return withFilter ? this.parseFilterExpr(node) : node;
  }

  protected parsePrimary(): Expr {
    const t = this.s.current;
    const line = t.line;
    switch (t.type) {
      case 'name':
        this.s.next();
        if (t.value === 'true' || t.value === 'True') return { kind: 'const', value: true, line };
        if (t.value === 'false' || t.value === 'False') return { kind: 'const', value: false, line };
        if (t.value === 'none' || t.value === 'None') return { kind: 'const', value: null, line };
        return { kind: 'name', name: t.value, line };
      case 'string': {
        let value = '';
        while (this.s.test('string')) value += this.s.next().value;
        return { kind: 'const', value, line };
      }
      case 'int':
        this.s.next();
        return { kind: 'const', value: BigInt(t.value), line };
      case 'float':
        this.s.next();
        return { kind: 'const', value: Number(t.value), line };
      case 'op':
        if (t.value === '(') {
          this.s.next();
          const expr = this.parseTuple({ explicitParentheses: true });
          this.s.expect('op', ')');
          return expr;
        }
        if (t.value === '[') return this.parseList();
        if (t.value === '{') return this.parseDict();
    }
    throw this.s.fail(`unexpected '${describe(t)}'`);
  }

  /**
   * A comma-separated expression list: a tuple when there is a comma, the single expression otherwise.
   * `simplified` only allows primaries (assignment targets); `endName` ends the list at that keyword.
   */
  parseTuple(
    opts: { simplified?: boolean; withCondexpr?: boolean; endName?: string; explicitParentheses?: boolean } = {},
  ): Expr {
    const line = this.s.current.line;
    const items: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length > 0) this.s.expect('op', ',');
      if (this.isTupleEnd(opts.endName)) break;
      items.push(opts.simplified ? this.parsePrimary() : this.parseExpression(opts.withCondexpr ?? true));
      if (this.s.test('op', ',')) isTuple = true;
      else break;
    }
    if (!isTuple) {
      if (items.length > 0) return items[0];
      if (!opts.explicitParentheses) throw this.s.fail(`Expected an expression, got '${describe(this.s.current)}'`);
    }
    return { kind: 'tuple', items, line };
  }

  private isTupleEnd(endName?: string): boolean {
    const t = this.s.current;
    return (
      t.type === 'var_end' ||
      t.type === 'block_end' ||
      (t.type === 'op' && t.value === ')') ||
      (endName !== undefined && this.s.test('name', endName))
    );
  }

  private parseList(): Expr {
    const line = this.s.expect('op', '[').line;
    const items: Expr[] = [];
    while (!this.s.test('op', ']')) {
      if (items.length > 0) this.s.expect('op', ',');
      if (this.s.test('op', ']')) break;
      items.push(this.parseExpression());
    }
    this.s.expect('op', ']');
    return { kind: 'list', items, line };
  }

  private parseDict(): Expr {
    const line = this.s.expect('op', '{').line;
    const pairs: { key: Expr; value: Expr }[] = [];
    while (!this.s.test('op', '}')) {
      if (pairs.length > 0) this.s.expect('op', ',');
      if (this.s.test('op', '}')) break;
      const key = this.parseExpression();
      this.s.expect('op', ':');
      pairs.push({ key, value: this.parseExpression() });
    }
    this.s.expect('op', '}');
    return { kind: 'dict', pairs, line };
  }

  protected parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.s.test('op', '.') || this.s.test('op', '[')) node = this.parseSubscript(node);
      else if (this.s.test('op', '('))
        node = { kind: 'call', callee: node, args: this.parseCallArgs(), line: node.line };
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      if (this.s.test('op', '|')) node = this.parseFilter(node);
      else if (this.s.test('name', 'is')) node = this.parseTest(node);
      else if (this.s.test('op', '('))
        node = { kind: 'call', callee: node, args: this.parseCallArgs(), line: node.line };
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const t = this.s.next();
    if (t.value === '.') {
      const attr = this.s.next();
      if (attr.type === 'name') return { kind: 'getattr', obj: node, attr: attr.value, line: t.line };
      if (attr.type !== 'int') throw this.s.fail('expected name or number', attr.line);
      return {
        kind: 'getitem',
        obj: node,
        key: { kind: 'const', value: BigInt(attr.value), line: t.line },
        line: t.line,
      };
    }
    const keys: Expr[] = [];
    while (!this.s.test('op', ']')) {
      if (keys.length > 0) this.s.expect('op', ',');
      keys.push(this.parseSubscribed());
    }
    this.s.expect('op', ']');
    const key: Expr = keys.length === 1 ? keys[0] : { kind: 'tuple', items: keys, line: t.line };
    return { kind: 'getitem', obj: node, key, line: t.line };
  }

  private parseSubscribed(): Expr {
    const line = this.s.current.line;
    const bound = (): Expr | undefined =>
      this.s.test('op', ']') || this.s.test('op', ',') || this.s.test('op', ':') ? undefined : this.parseExpression();
    let start: Expr | undefined;
    if (!this.s.test('op', ':')) {
      start = this.parseExpression();
      if (!this.s.test('op', ':')) return start;
    }
    this.s.expect('op', ':');
    const stop = bound();
    const step = this.s.skip('op', ':') ? bound() : undefined;
    return { kind: 'slice', start, stop, step, line };
  }

  protected parseCallArgs(): Args {
    this.s.expect('op', '(');
    const args: Args = { positional: [], keyword: [] };
    let first = true;
    while (!this.s.test('op', ')')) {
      if (!first) {
        this.s.expect('op', ',');
        if (this.s.test('op', ')')) break;
      }
      first = false;
      if (this.s.skip('op', '*')) args.star = this.parseExpression();
      else if (this.s.skip('op', '**')) args.starStar = this.parseExpression();
      else if (this.s.test('name') && this.s.look().type === 'op' && this.s.look().value === '=') {
        const name = this.s.next().value;
        this.s.next();
        args.keyword.push({ name, value: this.parseExpression() });
      } else {
        if (args.keyword.length > 0 || args.star || args.starStar)
          throw this.s.fail('invalid syntax for function call expression');
        args.positional.push(this.parseExpression());
      }
    }
    this.s.expect('op', ')');
    return args;
  }

  private dottedName(): string {
    let name = this.s.expect('name').value;
    while (this.s.skip('op', '.')) name += `.${this.s.expect('name').value}`;
    return name;
  }

  /** `| name(args)` chains; `startInline` parses a chain that begins without a pipe (`{% filter upper %}`). */
  protected parseFilter(value: Expr | undefined, startInline = false): Expr {
    let node = value;
    while (this.s.test('op', '|') || startInline) {
      if (!startInline) this.s.next();
      startInline = false;
      const line = this.s.current.line;
      const name = this.dottedName();
      const args = this.s.test('op', '(') ? this.parseCallArgs() : { positional: [], keyword: [] };
      node = { kind: 'filter', value: node, name, args, line };
    }
    return node!;
  }

  private parseTest(value: Expr): Expr {
    const line = this.s.expect('name', 'is').line;
    const negated = this.s.skip('name', 'not');
    const name = this.dottedName();
    let args: Args = { positional: [], keyword: [] };
    const t = this.s.current;
    if (this.s.test('op', '(')) args = this.parseCallArgs();
    else if (
      (['name', 'string', 'int', 'float'].includes(t.type) ||
        (t.type === 'op' && (t.value === '[' || t.value === '{'))) &&
      !this.s.testName('else', 'or', 'and')
    ) {
      if (this.s.test('name', 'is')) throw this.s.fail('You cannot chain multiple tests with is');
      args.positional.push(this.parsePostfix(this.parsePrimary()));
    }
    const test: Expr = { kind: 'test', value, name, args, line };
    return negated ? { kind: 'not', operand: test, line } : test;
  }
}
