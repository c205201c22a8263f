/** Attribute and item access, iteration, `len`, `in` and calls, as Python and Jinja2's environment do them. */

import { typeError, valueError } from './errors.js';
import { methodOf } from './methods.js';
import { checkDefined, checkOperable, pyEq, toIndex } from './ops.js';
import { objectTypeRepr, pyRepr, typeName } from './repr.js';
import { chars, strLen } from './text.js';
import {
  Markup,
  PyCallable,
  PyObject,
  PyTuple,
  Undefined,
  intOf,
  orElse,
  isInt,
  isStr,
  strText,
  type CallArgs,
  type PyDict,
  type PyValue,
} from './values.js';
import { checkListSize } from './budget.js';

/** A slice key (`x[1:3]`, `x[::-1]`); the bounds are unevaluated-None as `null`. */
export class PySlice extends PyObject {
  readonly typeName = 'slice';
  constructor(
    readonly start: PyValue,
    readonly stop: PyValue,
    readonly step: PyValue,
  ) {
    super();
  }
  override repr(): string {
    return `slice(${pyRepr(this.start)}, ${pyRepr(this.stop)}, ${pyRepr(this.step)})`;
  }
}

/** `dict.items()`, `.keys()`, `.values()`: live views that print as `dict_items([...])`. */
export class DictView extends PyObject {
  constructor(
    readonly typeName: 'dict_items' | 'dict_keys' | 'dict_values',
    private readonly dict: PyDict,
  ) {
    super();
  }
  override iter(): Iterator<PyValue> {
    const entries = [...this.dict];
    if (this.typeName === 'dict_keys') return entries.map(([k]) => k)[Symbol.iterator]();
    if (this.typeName === 'dict_values') return entries.map(([, v]) => v)[Symbol.iterator]();
    return entries.map(([k, v]) => new PyTuple([k, v]))[Symbol.iterator]();
  }
  override len(): number {
    return this.dict.size;
  }
  override repr(): string {
    return `${this.typeName}(${pyRepr([...iterate(this)])})`;
  }
}

export function undefinedAttr(obj: PyValue, name: PyValue, strict: boolean): Undefined {
  const message =
    typeof name === 'string'
      ? `'${objectTypeRepr(obj)}' has no attribute ${pyRepr(name)}`
      : `${objectTypeRepr(obj)} has no element ${pyRepr(name)}`;
  return new Undefined(message, strict);
}

/** Python's `getattr(obj, name)`, or undefined for AttributeError. */
export function pythonAttr(obj: PyValue, name: string): PyValue | undefined {
  const attr = obj instanceof PyObject && !(obj instanceof Markup) ? obj.getAttr(name) : undefined;
  return attr !== undefined ? attr : methodOf(obj, name);
}

/** Jinja2's `x.name`: the Python attribute first, then the item. */
export function getAttr(obj: PyValue, name: string, strict: boolean): PyValue {
  if (obj instanceof Undefined) {
    checkOperable(obj);
    return obj;
  }
  const attr = pythonAttr(obj, name);
  if (attr !== undefined) return attr;
  return orElse(pythonItem(obj, name), () => undefinedAttr(obj, name, strict));
}

/** Jinja2's `x[key]`: the item first, then (for string keys) the attribute. */
export function getItem(obj: PyValue, key: PyValue, strict: boolean): PyValue {
  if (obj instanceof Undefined) {
    checkOperable(obj);
    return obj;
  }
  const item = pythonItem(obj, key);
  if (item !== undefined) return item;
  return orElse(typeof key === 'string' ? pythonAttr(obj, key) : undefined, () => undefinedAttr(obj, key, strict));
}

/** Python's `obj[key]`, or undefined for KeyError/IndexError/TypeError. */
function pythonItem(obj: PyValue, key: PyValue): PyValue | undefined {
  if (obj instanceof Map) return mapGet(obj, key);
  const seq = isStr(obj)
    ? chars(strText(obj))
    : Array.isArray(obj)
      ? obj
      : obj instanceof PyTuple
        ? obj.items
        : undefined;
  if (seq !== undefined) {
    if (key instanceof PySlice) {
      const part = sliceOf(seq, key);
      if (isStr(obj)) {
        const text = (part as string[]).join(''); // the characters of a string
        return obj instanceof Markup ? new Markup(text) : text;
      }
      return obj instanceof PyTuple ? new PyTuple(part) : part;
    }
    if (!isInt(key)) return undefined;
    let i = Number(intOf(key));
    if (i < 0) i += seq.length;
    return i >= 0 && i < seq.length ? seq[i] : undefined;
  }
  return obj instanceof PyObject ? obj.getItem(key) : undefined;
}

/** Dict lookup where `1`, `1.0` and `True` are the same key, as in Python. */
export function mapGet(map: PyDict, key: PyValue): PyValue | undefined {
  const k = existingKey(map, key);
  return k === undefined ? undefined : map.get(k);
}

/** `map[key] = value`, keeping the key object already present for a hash-equal key (as Python does). */
export function mapSet(map: PyDict, key: PyValue, value: PyValue): void {
  map.set(existingKey(map, key) ?? key, value);
}

function existingKey(map: PyDict, key: PyValue): PyValue | undefined {
  checkDefined(key);
  if (map.has(key)) return key;
  return keyAliases(key).find((alias) => map.has(alias));
}

function keyAliases(key: PyValue): PyValue[] {
  if (key instanceof Markup) return [key.text];
  const n =
    typeof key === 'boolean'
      ? Number(key)
      : typeof key === 'bigint'
        ? Number(key)
        : typeof key === 'number' && Number.isInteger(key)
          ? key
          : undefined;
  if (n === undefined) return [];
  return [BigInt(n), n, ...(n === 0 ? [false] : n === 1 ? [true] : [])].filter((alias) => alias !== key);
}

/** The items a slice selects, with Python's clamping of out-of-range bounds. */
function sliceOf<T>(seq: readonly T[], s: PySlice): T[] {
  const n = seq.length;
  const step = s.step === null ? 1 : toIndex(s.step, 'slice indices');
  if (step === 0) throw valueError('slice step cannot be zero');
  const clamp = (v: PyValue, dflt: number): number => {
    if (v === null) return dflt;
    let i = toIndex(v, 'slice indices');
    if (i < 0) i = Math.max(i + n, step < 0 ? -1 : 0);
    return Math.min(i, step < 0 ? n - 1 : n);
  };
  const start = clamp(s.start, step < 0 ? n - 1 : 0);
  const stop = clamp(s.stop, step < 0 ? -1 : n);
  const out: T[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(seq[i]);
  return out;
}

/** Python's `iter(v)`. */
export function iterate(v: PyValue): Iterable<PyValue> {
  if (typeof v === 'string') return chars(v);
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return v.keys();
  if (v instanceof Markup) return chars(v.text);
  if (v instanceof Undefined) {
    checkDefined(v);
    return [];
  }
  if (v instanceof PyObject) {
    const it = v.iter();
    if (it) return { [Symbol.iterator]: () => it };
  }
  throw typeError(`'${typeName(v)}' object is not iterable`);
}

export function toList(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return [...v];
  // A lazy sequence (range) is measured before it is materialised.
  if (v instanceof PyObject && !(v instanceof Undefined)) {
    const n = v.len();
    if (n !== undefined) checkListSize(n);
  }
  return [...iterate(v)];
}

export function isIterable(v: PyValue): boolean {
  return (
    isStr(v) ||
    Array.isArray(v) ||
    v instanceof Map ||
    (v instanceof PyObject && !(v instanceof Undefined) && v.iter() !== undefined)
  );
}

/** Python's `len(v)`. */
export function pyLen(v: PyValue): number {
  if (typeof v === 'string') return strLen(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v instanceof Markup) return strLen(v.text);
  if (v instanceof Undefined) {
    checkDefined(v);
    return 0;
  }
  const n = v instanceof PyObject ? v.len() : undefined;
  if (n === undefined) throw typeError(`object of type '${typeName(v)}' has no len()`);
  return n;
}

/** Python's `item in container`. */
export function contains(container: PyValue, item: PyValue): boolean {
  if (isStr(container)) {
    if (!isStr(item)) throw typeError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return strText(container).includes(strText(item));
  }
  if (container instanceof Map) return mapGet(container, item) !== undefined;
  if (container instanceof Undefined) {
    checkDefined(container);
    return false;
  }
  if (!isIterable(container)) throw typeError(`argument of type '${typeName(container)}' is not iterable`);
  for (const x of iterate(container)) if (pyEq(x, item)) return true;
  return false;
}

export function callValue(fn: PyValue, call: CallArgs): PyValue {
  if (fn instanceof PyCallable) return fn.call(call);
  if (fn instanceof Undefined) {
    checkOperable(fn);
    return fn;
  }
  throw typeError(`'${typeName(fn)}' object is not callable`);
}
