/** Python `str` semantics on JS strings: code-point indexing, Python's whitespace and line-break sets. */

import { codePointLength } from '../../../util/code-points.js';

/** Characters for which Python's `str.isspace()` is true. */
export const PY_WHITESPACE =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
// eslint-disable-next-line no-control-regex -- Python's str.splitlines() breaks at these control characters
const LINE_BREAK = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/g;
const SURROGATE = /[\uD800-\uDFFF]/;

/** The code points of a string (Python indexes strings by code point, JS by UTF-16 unit). */
export function chars(s: string): string[] {
  return SURROGATE.test(s) ? Array.from(s) : s.split('');
}

export function strLen(s: string): number {
  return codePointLength(s);
}

/** Python's string ordering (by code point; JS `<` compares UTF-16 units). */
export function compareStr(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** `str.splitlines(keepends=False)`. */
export function splitLines(s: string): string[] {
  const lines = s.split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const WS_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'u');
const WS_START = new RegExp(`^[${PY_WHITESPACE}]+`, 'u');
const WS_END = new RegExp(`[${PY_WHITESPACE}]+$`, 'u');

export function isSpace(s: string): boolean {
  return s.length > 0 && new RegExp(`^[${PY_WHITESPACE}]+$`, 'u').test(s);
}

/** `str.strip/lstrip/rstrip(chars=None)`. */
export function strip(s: string, which: 'both' | 'left' | 'right', stripChars: string | null = null): string {
  if (stripChars === null) {
    if (which !== 'right') s = s.replace(WS_START, '');
    if (which !== 'left') s = s.replace(WS_END, '');
    return s;
  }
  const set = new Set(chars(stripChars));
  const cs = chars(s);
  let start = 0;
  let end = cs.length;
  if (which !== 'right') while (start < end && set.has(cs[start])) start++;
  if (which !== 'left') while (end > start && set.has(cs[end - 1])) end--;
  return cs.slice(start, end).join('');
}

/** `str.split(sep=None, maxsplit=-1)`. */
export function split(s: string, sep: string | null, maxsplit = -1): string[] {
  if (sep === null) {
    const out: string[] = [];
    let rest = s.replace(WS_START, '');
    while (rest !== '') {
      if (maxsplit >= 0 && out.length === maxsplit) {
        out.push(rest.replace(WS_END, ''));
        break;
      }
      const m = WS_RUN.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

/** `str.rsplit(sep=None, maxsplit=-1)`. */
export function rsplit(s: string, sep: string | null, maxsplit = -1): string[] {
  if (maxsplit < 0) return split(s, sep);
  const rev = (x: string) => chars(x).reverse().join('');
  return split(rev(s), sep === null ? null : rev(sep), maxsplit)
    .map(rev)
    .reverse();
}

/** Python's `str.title()`: upper-case the first cased letter after every non-letter. */
export function titleCase(s: string): string {
  let out = '';
  let prevCased = false;
  for (const c of s) {
    const cased = c.toLowerCase() !== c.toUpperCase();
    out += cased ? (prevCased ? c.toLowerCase() : c.toUpperCase()) : c;
    prevCased = cased;
  }
  return out;
}

export function capitalize(s: string): string {
  const cs = chars(s);
  return cs.length === 0 ? '' : cs[0].toUpperCase() + cs.slice(1).join('').toLowerCase();
}

/** `str.center(width, fill)` with CPython's placement of the odd padding character. */
export function center(s: string, width: number, fill = ' '): string {
  const marg = width - strLen(s);
  if (marg <= 0) return s;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}
