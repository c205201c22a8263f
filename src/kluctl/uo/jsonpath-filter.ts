/**
 * The filter expressions of ojg's JSONPath (`[?(@.name == 'x' && @.port > 80)]`), in the subset people write:
 * `@`/`$` paths, string, number, boolean and null literals, lists (for `in`), /regex/, the operators
 * `== != < <= > >= =~ in && || !` and parentheses. A bare path is true when it exists.
 */

import { goStringCompare } from '../../util/go-values.js';
import { compileGoRegexp } from '../../util/go-regexp.js';

/** Evaluates a path operand against the current element and the root: its values (several for wildcards). */
export type PathEvaluator = (path: string, current: unknown, root: unknown) => unknown[];

type Node =
  | { kind: 'path'; path: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node };

const NOTHING = Symbol('nothing');
type Value = unknown; // a literal, a Got (a path that exists), NOTHING (one that does not), a RegExp or a boolean

const PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '=~': 3,
  in: 3,
};

class FilterParser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(msg: string): never {
    throw new Error(`${msg} in filter ${this.src}`);
  }

  skipSpace(): void {
    while (this.src[this.pos] === ' ') this.pos++;
  }

  parse(): Node {
    const n = this.expression(0);
    this.skipSpace();
    if (this.pos < this.src.length) this.fail('unexpected text');
    return n;
  }

  expression(minPrec: number): Node {
    let left = this.unary();
    for (;;) {
      this.skipSpace();
      const op = ['||', '&&', '==', '!=', '<=', '>=', '=~', '<', '>', 'in'].find((o) =>
        this.src.startsWith(o, this.pos),
      );
      if (!op || PRECEDENCE[op] <= minPrec) return left;
      this.pos += op.length;
      left = { kind: 'binary', op, left, right: this.expression(PRECEDENCE[op]) };
    }
  }

  unary(): Node {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === '!') {
      this.pos++;
      return { kind: 'not', operand: this.unary() };
    }
    if (c === '(') {
      this.pos++;
      const n = this.expression(0);
      this.skipSpace();
      if (this.src[this.pos++] !== ')') this.fail('missing )');
      return n;
    }
    return this.operand();
  }

  operand(): Node {
    const rest = this.src.slice(this.pos);
    const c = rest[0];
    if (c === '@' || c === '$') return { kind: 'path', path: this.readPath() };
    if (c === "'" || c === '"') return { kind: 'literal', value: this.readString(c) };
    if (c === '/') {
      const end = rest.indexOf('/', 1);
      if (end < 0) this.fail('unterminated regex');
      this.pos += end + 1;
      return { kind: 'regex', regex: compileGoRegexp(rest.slice(1, end)) };
    }
    if (c === '[') {
      this.pos++;
      const items: unknown[] = [];
      for (;;) {
        this.skipSpace();
        if (this.src[this.pos] === ']') break;
        const item = this.operand();
        if (item.kind !== 'literal') this.fail('list items must be literals');
        items.push(item.value);
        this.skipSpace();
        if (this.src[this.pos] === ',') this.pos++;
      }
      this.pos++;
      return { kind: 'literal', value: items };
    }
    const word = /^(true|false|null|-?\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(rest);
    if (!word) this.fail('unexpected text');
    this.pos += word[0].length;
    return { kind: 'literal', value: JSON.parse(word[0]) as unknown };
  }

  readString(quote: string): string {
    let out = '';
    for (this.pos++; this.pos < this.src.length; this.pos++) {
      const c = this.src[this.pos];
      if (c === quote) {
        this.pos++;
        return out;
      }
      out += c === '\\' ? this.src[++this.pos] : c;
    }
    this.fail('unterminated string');
  }

  /** `@`/`$` followed by dotted and bracketed steps. */
  readPath(): string {
    const start = this.pos++;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '[') {
        const close = this.src.indexOf(']', this.pos);
        if (close < 0) this.fail('unterminated [');
        this.pos = close + 1;
      } else if (/[.*#%0-9:;?A-Z^_a-z{|}~\u0080-\uffff]/.test(c)) {
        this.pos++;
      } else {
        break;
      }
    }
    return this.src.slice(start, this.pos);
  }
}

export class JsonPathFilter {
  private readonly root: Node;
  constructor(readonly source: string) {
    this.root = new FilterParser(source).parse();
  }

  matches(current: unknown, root: unknown, evalPath: PathEvaluator): boolean {
    // A path with several values matches when any of them does.
    const combos = this.combinations(this.root, current, root, evalPath);
    return combos.some((bindings) => truthy(this.evaluate(this.root, bindings)));
  }

  private combinations(n: Node, current: unknown, root: unknown, evalPath: PathEvaluator): Map<Node, Value>[] {
    let out: Map<Node, Value>[] = [new Map<Node, Value>()];
    const visit = (x: Node) => {
      if (x.kind === 'path') {
        const values = evalPath(x.path, current, root);
        const options: Value[] = values.length ? values.map((v) => new Got(v)) : [NOTHING];
        out = out.flatMap((b) => options.map((v) => new Map(b).set(x, v)));
      } else if (x.kind === 'not') visit(x.operand);
      else if (x.kind === 'binary') {
        visit(x.left);
        visit(x.right);
      }
    };
    visit(n);
    return out;
  }

  private evaluate(n: Node, b: Map<Node, Value>): Value {
    switch (n.kind) {
      case 'path':
        return b.get(n);
      case 'literal':
        return n.value;
      case 'regex':
        return n.regex;
      case 'not':
        return !truthy(this.evaluate(n.operand, b));
    }
    const l = this.evaluate(n.left, b);
    const r = this.evaluate(n.right, b);
    switch (n.op) {
      case '||':
        return truthy(l) || truthy(r);
      case '&&':
        return truthy(l) && truthy(r);
      case '==':
        return scalarEqual(l, r);
      case '!=':
        return !scalarEqual(l, r);
      case '=~': {
        const s = unwrap(l);
        const rx = unwrap(r);
        if (typeof s !== 'string') return false;
        if (rx instanceof RegExp) return rx.test(s);
        return typeof rx === 'string' && compileGoRegexp(rx).test(s);
      }
      case 'in': {
        const list = unwrap(r);
        return Array.isArray(list) && list.some((x) => scalarEqual(l, x));
      }
      default:
        return ordered(n.op, l, r);
    }
  }
}

/** A path's value that exists (ojg's `got`): true in a boolean context whatever the value. */
class Got {
  constructor(readonly value: unknown) {}
}

const truthy = (v: Value): boolean => v instanceof Got || v === true;
const unwrap = (v: Value): Value => (v instanceof Got ? v.value : v);

function scalarEqual(l: Value, r: Value): boolean {
  l = unwrap(l);
  r = unwrap(r);
  if ((typeof l === 'object' && l !== null) || (typeof r === 'object' && r !== null)) return false;
  return l === r;
}

function ordered(op: string, l: Value, r: Value): boolean {
  l = unwrap(l);
  r = unwrap(r);
  let c: number;
  if (typeof l === 'number' && typeof r === 'number') c = l - r;
  else if (typeof l === 'string' && typeof r === 'string') c = goStringCompare(l, r);
  else return false;
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}
