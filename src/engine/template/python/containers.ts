/** Python's containers: iteration, `len`, `in`, dict views, and dict keys that compare as Python hashes them. */

import { checkListSize } from './budget.js';
import { typeError } from './errors.js';
import { checkDefined, pyEq } from './ops.js';
import { pyRepr, typeName } from './repr.js';
import { chars, strLen } from './text.js';
import { Markup, PyObject, PyTuple, Undefined, isStr, strText, type PyDict, type PyValue } from './values.js';

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
