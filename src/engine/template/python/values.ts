/**
 * The Python values templates compute with.
 *
 * Number kinds are kept apart by JS type: a Python `int` is a `bigint` (arbitrary precision, like Python) and a
 * Python `float` is a `number`, so `1` and `1.0` stay distinct through arithmetic and printing. `bool` is `boolean`,
 * `None` is `null`, `str` is `string`, `list` is an array, `dict` is a `Map` (insertion-ordered, any key type).
 */

export type PyValue = null | boolean | bigint | number | string | PyValue[] | PyDict | PyObject;
export type PyDict = Map<PyValue, PyValue>;
export type Kwargs = Map<string, PyValue>;

/** Any other Python object: tuples, markup, undefined, callables, iterators, … */
export abstract class PyObject {
  /** The Python type name (`tuple`, `Macro`, …), used in error messages like Python's. */
  abstract readonly typeName: string;
  /** The Python module of the type, for Jinja2's `'<module>.<type> object'` error wording. */
  readonly module: string = 'builtins';

  repr(): string {
    return `<${this.typeName} object>`;
  }
  str(): string {
    return this.repr();
  }
  /** An attribute, or undefined when there is none. */
  getAttr(_name: string): PyValue | undefined {
    return undefined;
  }
  /** `obj[key]`, or undefined when the key is missing or the object is not subscriptable. */
  getItem(_key: PyValue): PyValue | undefined {
    return undefined;
  }
  /** `len(obj)`, or undefined when the object has no length. */
  len(): number | undefined {
    return undefined;
  }
  /** `iter(obj)`, or undefined when the object is not iterable. */
  iter(): Iterator<PyValue> | undefined {
    return undefined;
  }
  bool(): boolean {
    const n = this.len();
    return n === undefined || n > 0;
  }
  /** `self <op> other` for objects that define arithmetic; undefined when unsupported. */
  binary(_op: string, _other: PyValue): PyValue | undefined {
    return undefined;
  }
  /** Ordering against another value, for objects that define comparisons; undefined when unsupported. */
  compareTo(_other: PyValue): number | undefined {
    return undefined;
  }
}

export class PyTuple extends PyObject {
  readonly typeName: string = 'tuple';
  /** `fields` names the items of a named tuple (Jinja2's `groupby` results); they print as a plain tuple. */
  constructor(
    readonly items: readonly PyValue[],
    readonly fields?: readonly string[],
  ) {
    super();
  }
  override getAttr(name: string): PyValue | undefined {
    const i = this.fields?.indexOf(name) ?? -1;
    return i >= 0 ? this.items[i] : undefined;
  }
  override len(): number {
    return this.items.length;
  }
  override iter(): Iterator<PyValue> {
    return this.items[Symbol.iterator]();
  }
}

/** markupsafe's `Markup`: a string that is already HTML-safe (from `safe`, `escape`, `tojson`, …). */
export class Markup extends PyObject {
  readonly typeName = 'Markup';
  override readonly module = 'markupsafe';
  constructor(readonly text: string) {
    super();
  }
}

/**
 * Jinja2's undefined value. A strict one raises `message` whenever it is used. A non-strict one prints as ''
 * and iterates as empty; if also chainable (Kluctl's NullUndefined, for non-project commands) it absorbs
 * attribute access, calls and arithmetic too, otherwise (Jinja2's plain Undefined) those raise.
 */
export class Undefined extends PyObject {
  readonly typeName = 'StrictUndefined';
  override readonly module = 'jinja2.runtime';
  constructor(
    readonly message: string,
    readonly strict = true,
    readonly chainable = !strict,
  ) {
    super();
  }
  override repr(): string {
    return 'Undefined';
  }
}

export interface CallArgs {
  args: PyValue[];
  kwargs: Kwargs;
}

/** Anything a template can call: builtins, bound methods, macros. */
export abstract class PyCallable extends PyObject {
  abstract call(call: CallArgs): PyValue;
}

/** A lazily consumed iterator (generators, `reversed`, `map`, `select`, …): iterating it twice yields nothing. */
export class PyIterator extends PyObject {
  constructor(
    readonly typeName: string,
    private readonly source: Iterator<PyValue>,
  ) {
    super();
  }
  override iter(): Iterator<PyValue> {
    return this.source;
  }
  override repr(): string {
    return this.typeName === 'generator' ? '<generator object>' : `<${this.typeName} object>`;
  }
}

export function isStr(v: PyValue): v is string | Markup {
  return typeof v === 'string' || v instanceof Markup;
}

/** The text of a `str` (plain or Markup). */
export function strText(v: string | Markup): string {
  return typeof v === 'string' ? v : v.text;
}

export function isInt(v: PyValue): v is bigint | boolean {
  return typeof v === 'bigint' || typeof v === 'boolean';
}

export function isNumber(v: PyValue): v is bigint | boolean | number {
  return typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'number';
}

/** Python `int(v)` for ints and bools. */
export function intOf(v: bigint | boolean): bigint {
  return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
}

/** A function implemented in TS: builtins, bound methods, filters called as functions, Kluctl's globals. */
export class BuiltinFunction extends PyCallable {
  readonly typeName = 'builtin_function_or_method';
  constructor(
    readonly name: string,
    private readonly fn: (call: CallArgs) => PyValue,
    /** The type a bound method belongs to (`list` for `append`). */
    private readonly owner?: string,
  ) {
    super();
  }
  call(call: CallArgs): PyValue {
    return this.fn(call);
  }
  override repr(): string {
    return this.owner ? `<built-in method ${this.name} of ${this.owner} object>` : `<built-in function ${this.name}>`;
  }
}

/** `v`, or the fallback when `v` is missing (unlike `??`, a Python `None` value is kept). */
export function orElse<T extends PyValue>(v: PyValue | undefined, fallback: () => T): PyValue {
  return v === undefined ? fallback() : v;
}
