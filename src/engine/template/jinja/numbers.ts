/** Python's `float(x)` and Jinja2's forgiving `int` filter conversion. */

import { PyError, typeError, valueError } from '../python/errors.js';
import { pyRepr, typeName } from '../python/repr.js';
import { strip } from '../python/text.js';
import { intOf, isInt, isStr, strText, type PyValue } from '../python/values.js';

const FLOAT_TEXT = /^[-+]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][-+]?\d(?:_?\d)*)?|\d(?:_?\d)*\.|inf|infinity|nan)$/i;

/** Python `float(v)`: raises TypeError/ValueError like Python. */
export function parsePyFloat(v: PyValue): number {
  if (typeof v === 'number') return v;
  if (isInt(v)) return Number(intOf(v));
  if (isStr(v)) {
    const s = strip(strText(v), 'both');
    if (!FLOAT_TEXT.test(s)) throw valueError(`could not convert string to float: ${pyRepr(strText(v))}`);
    const lower = s.toLowerCase().replace(/_/g, '');
    if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
    if (lower.endsWith('nan')) return NaN;
    return Number(lower);
  }
  throw typeError(`float() argument must be a string or a real number, not '${typeName(v)}'`);
}

/** Python `int(text, base)` for a string; undefined when it is not a valid literal. */
function parseIntText(text: string, base: number): bigint | undefined {
  let s = strip(text, 'both').toLowerCase();
  const negative = s.startsWith('-');
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  const prefix = { 16: '0x', 8: '0o', 2: '0b' }[base];
  if (prefix && s.startsWith(prefix)) s = s.slice(2).replace(/^_/, '');
  if (!/^[0-9a-z]+(?:_[0-9a-z]+)*$/.test(s)) return undefined;
  const digits = s.replace(/_/g, '');
  if (base === 10 && /^0+[1-9]/.test(digits)) return undefined;
  let n = 0n;
  for (const c of digits) {
    const d = parseInt(c, 36);
    if (d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
  }
  return negative ? -n : n;
}

function truncate(x: number): bigint {
  if (!Number.isFinite(x))
    throw new PyError(
      Number.isNaN(x) ? 'ValueError' : 'OverflowError',
      `cannot convert float ${Number.isNaN(x) ? 'NaN' : 'infinity'} to integer`,
    );
  return BigInt(Math.trunc(x));
}

const caught = (e: unknown, types: string[]): boolean => e instanceof PyError && types.includes(e.pyType);

/** Jinja2's `int` filter: int(value[, base]), else int(float(value)), else undefined (use the default). */
export function parsePyInt(v: PyValue, base: number): bigint | undefined {
  try {
    if (isInt(v)) return intOf(v);
    if (typeof v === 'number') return truncate(v);
    if (!isStr(v))
      throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
    const n = parseIntText(strText(v), base);
    if (n === undefined) throw valueError(`invalid literal for int() with base ${base}: ${pyRepr(strText(v))}`);
    return n;
  } catch (e) {
    if (!caught(e, ['TypeError', 'ValueError'])) throw e;
  }
  try {
    return truncate(parsePyFloat(v));
  } catch (e) {
    if (caught(e, ['TypeError', 'ValueError', 'OverflowError'])) return undefined;
    throw e;
  }
}
