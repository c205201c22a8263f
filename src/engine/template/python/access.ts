/**
 * Attribute and item access and calls, as Python and Jinja2's environment do them. Attribute lookup finds the
 * built-in methods (`methods.ts`) and hands them this file's lookups for `str.format`'s `{0.name}` and `{0[key]}`,
 * so that the method table does not import this file back.
 */

import { typeError, valueError } from './errors.js';
import { mapGet } from './containers.js';
import type { FieldAccess } from './format.js';
import { methodOf } from './methods.js';
import { checkOperable, toIndex } from './ops.js';
import { objectTypeRepr, pyRepr, typeName } from './repr.js';
import { chars } from './text.js';
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
  type PyValue,
} from './values.js';

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
  return attr !== undefined ? attr : methodOf(obj, name, FIELDS);
}

/** `str.format` resolves its fields with the strict lookups of this file. */
const FIELDS: FieldAccess = {
  attr: (obj, name) => getAttr(obj, name, true),
  item: (obj, key) => getItem(obj, key, true),
};

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

export function callValue(fn: PyValue, call: CallArgs): PyValue {
  if (fn instanceof PyCallable) return fn.call(call);
  if (fn instanceof Undefined) {
    checkOperable(fn);
    return fn;
  }
  throw typeError(`'${typeName(fn)}' object is not callable`);
}
