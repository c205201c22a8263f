/** Python operators: truthiness, equality, ordering and arithmetic, with Python's int/float rules. */

import { PyError, typeError, undefinedError } from './errors.js';
import { formatPercent } from './percent.js';
import { markupEscape } from './markup.js';
import { typeName } from './repr.js';
import { compareStr } from './text.js';
import {
  Markup,
  PyObject,
  PyTuple,
  Undefined,
  intOf,
  isInt,
  isNumber,
  isStr,
  strText,
  type PyValue,
} from './values.js';
import { checkListSize, checkStringSize } from './budget.js';

export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof Undefined) {
    if (v.strict) throw undefinedError(v.message);
    return false;
  }
  if (v instanceof Markup) return v.text.length > 0;
  return v.bool();
}

/** Throws the UndefinedError of a strict undefined value that is printed, iterated, compared or measured. */
export function checkDefined(v: PyValue): void {
  if (v instanceof Undefined && v.strict) throw undefinedError(v.message);
}

/** Throws the UndefinedError of an undefined operand of attribute access, calls or arithmetic, unless chainable. */
export function checkOperable(v: PyValue): void {
  if (v instanceof Undefined && !v.chainable) throw undefinedError(v.message);
}

function toFloat(v: bigint | boolean | number): number {
  return typeof v === 'number' ? v : Number(intOf(v));
}

export function pyEq(a: PyValue, b: PyValue): boolean {
  checkDefined(a);
  checkDefined(b);
  if (isNumber(a) && isNumber(b)) {
    if (isInt(a) && isInt(b)) return intOf(a) === intOf(b);
    const x = toFloat(a);
    const y = toFloat(b);
    if (typeof a === 'bigint' && Number.isInteger(y)) return a === BigInt(y);
    if (typeof b === 'bigint' && Number.isInteger(x)) return b === BigInt(x);
    return x === y;
  }
  if (isStr(a) && isStr(b)) return strText(a) === strText(b);
  if (Array.isArray(a) && Array.isArray(b)) return seqEq(a, b);
  if (a instanceof PyTuple && b instanceof PyTuple) return seqEq(a.items, b.items);
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !pyEq(v, b.get(k)!)) return false;
    return true;
  }
  return a === b;
}

function seqEq(a: readonly PyValue[], b: readonly PyValue[]): boolean {
  return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
}

export type CompareOp = '<' | '<=' | '>' | '>=';

/** Python ordering; raises TypeError for unorderable operand types. */
export function pyCompare(a: PyValue, b: PyValue, op: CompareOp): boolean {
  const c = order(a, b, op);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

/** -1/0/1 ordering of two values as `sorted()` sees them. */
export function order(a: PyValue, b: PyValue, op: CompareOp = '<'): number {
  checkDefined(a);
  checkDefined(b);
  if (isNumber(a) && isNumber(b)) {
    if (isInt(a) && isInt(b)) return intOf(a) < intOf(b) ? -1 : intOf(a) > intOf(b) ? 1 : 0;
    const x = toFloat(a);
    const y = toFloat(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (isStr(a) && isStr(b)) return Math.sign(compareStr(strText(a), strText(b)));
  const seqA = Array.isArray(a) ? a : a instanceof PyTuple ? a.items : undefined;
  const seqB = Array.isArray(b) ? b : b instanceof PyTuple ? b.items : undefined;
  if (seqA && seqB && Array.isArray(a) === Array.isArray(b)) {
    for (let i = 0; i < Math.min(seqA.length, seqB.length); i++) {
      if (!pyEq(seqA[i], seqB[i])) return order(seqA[i], seqB[i], op);
    }
    return Math.sign(seqA.length - seqB.length);
  }
  const custom = a instanceof PyObject ? a.compareTo(b) : undefined;
  if (custom !== undefined) return custom;
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export type ArithOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';

export function arith(op: ArithOp, a: PyValue, b: PyValue): PyValue {
  const lenient = a instanceof Undefined ? a : b instanceof Undefined ? b : undefined;
  if (lenient) {
    checkOperable(lenient);
    return lenient;
  }
  if (isNumber(a) && isNumber(b)) return numeric(op, a, b);
  const custom = a instanceof PyObject ? a.binary(op, b) : undefined;
  if (custom !== undefined) return custom;
  switch (op) {
    case '+':
      return add(a, b);
    case '*':
      return repeat(a, b);
    case '%':
      if (isStr(a)) return a instanceof Markup ? new Markup(formatPercent(a.text, escapeArgs(b))) : formatPercent(a, b);
  }
  throw unsupported(op, a, b);
}

function unsupported(op: string, a: PyValue, b: PyValue): PyError {
  return typeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function add(a: PyValue, b: PyValue): PyValue {
  if (a instanceof Markup || b instanceof Markup) {
    if (isStr(a) && isStr(b)) return new Markup(markupEscape(a).text + markupEscape(b).text);
  } else if (typeof a === 'string') {
    if (typeof b === 'string') return a + b;
    throw typeError(`can only concatenate str (not "${typeName(b)}") to str`);
  }
  if (Array.isArray(a)) {
    if (Array.isArray(b)) return [...a, ...b];
    throw typeError(`can only concatenate list (not "${typeName(b)}") to list`);
  }
  if (a instanceof PyTuple && b instanceof PyTuple) return new PyTuple([...a.items, ...b.items]);
  throw unsupported('+', a, b);
}

function repeat(a: PyValue, b: PyValue): PyValue {
  const [seq, n] = isInt(b) ? [a, intOf(b)] : isInt(a) ? [b, intOf(a)] : [a, undefined];
  if (n !== undefined) {
    const times = n > 0n ? Number(n) : 0;
    const length = typeof seq === 'string' ? seq.length : seq instanceof Markup ? seq.text.length : undefined;
    if (length !== undefined) checkStringSize(length * times);
    else if (Array.isArray(seq) || seq instanceof PyTuple)
      checkListSize((Array.isArray(seq) ? seq.length : seq.items.length) * times);
    if (typeof seq === 'string') return seq.repeat(times);
    if (seq instanceof Markup) return new Markup(seq.text.repeat(times));
    if (Array.isArray(seq)) return Array.from({ length: times }, () => seq).flat(1);
    if (seq instanceof PyTuple) return new PyTuple(Array.from({ length: times }, () => seq.items).flat(1));
  }
  if (isStr(a) || Array.isArray(a) || a instanceof PyTuple)
    throw typeError(`can't multiply sequence by non-int of type '${typeName(b)}'`);
  throw unsupported('*', a, b);
}

function escapeArgs(b: PyValue): PyValue {
  if (b instanceof PyTuple) return new PyTuple(b.items.map((x) => (isStr(x) ? markupEscape(x) : x)));
  return isStr(b) ? markupEscape(b) : b;
}

const zeroDivision = (what: string) => new PyError('ZeroDivisionError', what);

function numeric(op: ArithOp, a: bigint | boolean | number, b: bigint | boolean | number): PyValue {
  if (isInt(a) && isInt(b)) return intArith(op, intOf(a), intOf(b));
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw zeroDivision('float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw zeroDivision('float floor division by zero');
      return floatFloorDiv(x, y);
    case '%':
      if (y === 0) throw zeroDivision('float modulo');
      return floatMod(x, y);
    case '**':
      if (x === 0 && y < 0) throw zeroDivision('0.0 cannot be raised to a negative power');
      return x ** y;
  }
}

function intArith(op: ArithOp, a: bigint, b: bigint): PyValue {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0n) throw zeroDivision('division by zero');
      return Number(a) / Number(b);
    case '//':
      if (b === 0n) throw zeroDivision('integer division or modulo by zero');
      return floorDiv(a, b);
    case '%':
      if (b === 0n) throw zeroDivision('integer division or modulo by zero');
      return a - floorDiv(a, b) * b;
    case '**':
      if (b >= 0n) {
        // Python would compute it, for minutes and gigabytes; bound the result to 2^24 bits.
        if (a !== 0n && a !== 1n && a !== -1n && BigInt(a.toString(2).length) * b > 16_777_216n)
          checkStringSize(Infinity);
        return a ** b;
      }
      if (a === 0n) throw zeroDivision('0.0 cannot be raised to a negative power');
      return Number(a) ** Number(b);
  }
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function floatMod(x: number, y: number): number {
  let mod = x % y;
  if (mod !== 0 && y < 0 !== mod < 0) mod += y;
  return mod === 0 ? (y < 0 ? -0 : 0) : mod;
}

/** Python's float `//`: derived from the remainder so that `x == (x // y) * y + x % y` holds. */
function floatFloorDiv(x: number, y: number): number {
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && y < 0 !== mod < 0) div -= 1;
  if (div === 0) return x / y < 0 ? -0 : 0;
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

export function negate(v: PyValue): PyValue {
  if (isInt(v)) return -intOf(v);
  if (typeof v === 'number') return -v;
  if (v instanceof Undefined) return arith('-', v, v);
  throw typeError(`bad operand type for unary -: '${typeName(v)}'`);
}

export function plus(v: PyValue): PyValue {
  if (isInt(v)) return intOf(v);
  if (typeof v === 'number') return v;
  if (v instanceof Undefined) return arith('+', v, v);
  throw typeError(`bad operand type for unary +: '${typeName(v)}'`);
}

/** A value as a Python `int` index (bools count); TypeError otherwise. */
export function toIndex(v: PyValue, what = 'indices'): number {
  if (isInt(v)) return Number(intOf(v));
  throw typeError(`${what} must be integers or None or have an __index__ method`);
}
