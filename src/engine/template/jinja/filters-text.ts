/** Jinja2 3.1's string and number filters, with autoescape off. */

import { callValue, pythonAttr } from '../python/access.js';
import { isIterable, toList } from '../python/containers.js';
import { bind } from '../python/args.js';
import { PyError, typeError, valueError } from '../python/errors.js';
import { roundFloat } from '../python/floatfmt.js';
import { formatValue } from '../python/format.js';
import { formatPercent } from '../python/percent.js';
import { jsonDumps } from '../python/json.js';
import { escapeHtml, markupEscape, stripTags } from '../python/markup.js';
import { arith, truthy } from '../python/ops.js';
import { pformat } from '../python/pprint.js';
import { pyStr, typeName } from '../python/repr.js';
import { capitalize, center, chars, splitLines, strLen, strip } from '../python/text.js';
import { wrap } from '../python/textwrap.js';
import {
  Markup,
  PyTuple,
  Undefined,
  intOf,
  isInt,
  isStr,
  orElse,
  strText,
  type CallArgs,
  type PyValue,
} from '../python/values.js';
import type { Filter } from '../runtime/environment.js';
import { parsePyFloat, parsePyInt } from './numbers.js';

const optNum = (v: PyValue | undefined, dflt: number): number =>
  v === undefined ? dflt : Number(isInt(v) ? intOf(v) : (v as number));

/** Python's `str.method(...)` on the stringified value. */
function strMethod(value: PyValue, name: string, ...methodArgs: PyValue[]): PyValue {
  return callValue(pythonAttr(pyStr(value), name)!, { args: methodArgs, kwargs: new Map() });
}

function pyAbs(v: PyValue): PyValue {
  if (isInt(v)) return intOf(v) < 0n ? -intOf(v) : intOf(v);
  if (typeof v === 'number') return Math.abs(v);
  if (v instanceof Undefined) return arith('-', v, v);
  throw typeError(`bad operand type for abs(): '${typeName(v)}'`);
}

function indent(value: PyValue, call: CallArgs): PyValue {
  const [width, first, blank] = bind('indent', call, ['width', 'first', 'blank']);
  const indention =
    width === undefined ? '    ' : isStr(width) ? strText(width) : ' '.repeat(Math.max(0, optNum(width, 4)));
  const s = pyStr(value) + '\n';
  let rv: string;
  if (blank !== undefined && truthy(blank)) rv = splitLines(s).join(`\n${indention}`);
  else {
    const lines = splitLines(s);
    rv = lines.shift() ?? '';
    if (lines.length > 0) rv += '\n' + lines.map((l) => (l ? indention + l : l)).join('\n');
  }
  if (first !== undefined && truthy(first)) rv = indention + rv;
  return value instanceof Markup ? new Markup(rv) : rv;
}

function truncate(ctxValue: PyValue, call: CallArgs): PyValue {
  const [lengthArg, killwords, endArg, leewayArg] = bind('truncate', call, ['length', 'killwords', 'end', 'leeway']);
  const s = chars(pyStr(ctxValue));
  const length = optNum(lengthArg, 255);
  const end = endArg === undefined ? '...' : pyStr(endArg);
  const leeway = optNum(leewayArg, 5);
  if (length < strLen(end)) throw new PyError('AssertionError', `expected length >= ${strLen(end)}, got ${length}`);
  if (leeway < 0) throw new PyError('AssertionError', `expected leeway >= 0, got ${leeway}`);
  if (s.length <= length + leeway) return s.join('');
  const cut = s.slice(0, Math.max(0, length - strLen(end))).join('');
  if (killwords !== undefined && truthy(killwords)) return cut + end;
  const space = cut.lastIndexOf(' ');
  return (space < 0 ? cut : cut.slice(0, space)) + end;
}

function round(value: PyValue, call: CallArgs): PyValue {
  const [precisionArg, methodArg] = bind('round', call, ['precision', 'method']);
  const precision = optNum(precisionArg, 0);
  const method = methodArg === undefined ? 'common' : pyStr(methodArg);
  if (!['common', 'ceil', 'floor'].includes(method))
    throw new PyError('FilterArgumentError', 'method must be common, ceil or floor');
  if (method === 'common') {
    if (isInt(value)) return roundInt(intOf(value), precision);
    if (typeof value !== 'number') throw typeError(`type ${typeName(value)} doesn't define __round__ method`);
    return roundFloat(value, precision);
  }
  const scale = 10 ** precision;
  const scaled = arith('*', value, precision >= 0 ? 10n ** BigInt(precision) : scale);
  const x = typeof scaled === 'number' ? scaled : Number(scaled);
  return (method === 'ceil' ? Math.ceil(x) : Math.floor(x)) / scale;
}

/** `round(int, ndigits)`: ints stay ints; negative ndigits round half to even at that power of ten. */
function roundInt(n: bigint, ndigits: number): bigint {
  if (ndigits >= 0) return n;
  const unit = 10n ** BigInt(-ndigits);
  const q = n / unit - (n % unit < 0n ? 1n : 0n);
  const r = n - q * unit;
  const up = 2n * r > unit || (2n * r === unit && q % 2n !== 0n);
  return (up ? q + 1n : q) * unit;
}

function wordwrap(value: PyValue, call: CallArgs): PyValue {
  const [width, breakLong, wrapstring, breakHyphens] = bind('wordwrap', call, [
    'width',
    'break_long_words',
    'wrapstring',
    'break_on_hyphens',
  ]);
  const sep = wrapstring === undefined || wrapstring === null ? '\n' : pyStr(wrapstring);
  const opts = {
    width: optNum(width, 79),
    breakLongWords: breakLong === undefined || truthy(breakLong),
    breakOnHyphens: breakHyphens === undefined || truthy(breakHyphens),
  };
  return splitLines(pyStr(value))
    .map((line) => wrap(line, opts).join(sep))
    .join(sep);
}

function urlQuote(v: PyValue, forQuery: boolean): string {
  const bytes = Buffer.from(pyStr(v), 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out +=
      /[A-Za-z0-9_.\-~]/.test(c) || (!forQuery && c === '/') ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQuery ? out.replace(/%20/g, '+') : out;
}

function urlencode(value: PyValue): PyValue {
  if (isStr(value) || !isIterable(value)) return urlQuote(value, false);
  const items = value instanceof Map ? [...value].map(([k, v]) => [k, v]) : toList(value).map(toList);
  return items.map(([k, v]) => `${urlQuote(k, true)}=${urlQuote(v, true)}`).join('&');
}

function filesizeformat(value: PyValue, call: CallArgs): PyValue {
  const [binaryArg] = bind('filesizeformat', call, ['binary']);
  const binary = binaryArg !== undefined && truthy(binaryArg);
  const bytes = parsePyFloat(value);
  const base = binary ? 1024 : 1000;
  const prefixes = binary
    ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']
    : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let i = 0;
  while (i < prefixes.length - 1 && bytes >= base ** (i + 2)) i++;
  return `${formatValue((base * bytes) / base ** (i + 2), '.1f')} ${prefixes[i]}`;
}

function xmlattr(value: PyValue, call: CallArgs): PyValue {
  const [autospace] = bind('xmlattr', call, ['autospace']);
  if (!(value instanceof Map))
    throw new PyError('AttributeError', `'${typeName(value)}' object has no attribute 'items'`);
  const items: string[] = [];
  for (const [k, v] of value) {
    if (v === null || v instanceof Undefined) continue;
    const key = pyStr(k);
    if (/[\s/>=]/.test(key)) throw valueError(`Invalid character in attribute name: ${pyStr(k)}`);
    items.push(`${markupEscape(k).text}="${markupEscape(v).text}"`);
  }
  const rv = items.join(' ');
  return (autospace === undefined || truthy(autospace)) && rv ? ` ${rv}` : rv;
}

function title(value: PyValue): PyValue {
  return pyStr(value)
    .split(/([-\s({[<]+)/u)
    .filter((item) => item !== '')
    .map((item) => {
      const cs = chars(item);
      return cs[0].toUpperCase() + cs.slice(1).join('').toLowerCase();
    })
    .join('');
}

export const TEXT_FILTERS: Record<string, Filter> = {
  abs: (_c, v, call) => (bind('abs', call, []), pyAbs(v)),
  capitalize: (_c, v, call) => (bind('capitalize', call, []), capitalize(pyStr(v))),
  center: (_c, v, call) => center(pyStr(v), optNum(bind('center', call, ['width'])[0], 80)),
  default: (_c, v, call) => {
    const [dflt, boolean] = bind('default', call, ['default_value', 'boolean']);
    return v instanceof Undefined || (boolean !== undefined && truthy(boolean) && !truthy(v))
      ? orElse(dflt, () => '')
      : v;
  },
  escape: (_c, v, call) => (bind('escape', call, []), markupEscape(v)),
  forceescape: (_c, v, call) => (bind('forceescape', call, []), new Markup(escapeHtml(pyStr(v)))),
  filesizeformat: (_c, v, call) => filesizeformat(v, call),
  float: (_c, v, call) => {
    const [dflt] = bind('float', call, ['default']);
    try {
      return parsePyFloat(v);
    } catch (e) {
      if (e instanceof PyError && (e.pyType === 'TypeError' || e.pyType === 'ValueError')) return orElse(dflt, () => 0);
      throw e;
    }
  },
  format: (_c, v, call) => {
    if (call.args.length > 0 && call.kwargs.size > 0)
      throw new PyError('FilterArgumentError', "can't handle positional and keyword arguments at the same time");
    return formatPercent(pyStr(v), call.kwargs.size > 0 ? new Map(call.kwargs) : new PyTuple(call.args));
  },
  indent: (_c, v, call) => indent(v, call),
  int: (_c, v, call) => {
    const [dflt, base] = bind('int', call, ['default', 'base']);
    return orElse(parsePyInt(v, optNum(base, 10)), () => orElse(dflt, () => 0n));
  },
  lower: (_c, v, call) => (bind('lower', call, []), pyStr(v).toLowerCase()),
  upper: (_c, v, call) => (bind('upper', call, []), pyStr(v).toUpperCase()),
  pprint: (_c, v, call) => (bind('pprint', call, []), pformat(v)),
  replace: (_c, v, call) => {
    const [oldArg, newArg, count] = bind('replace', call, ['old', 'new', 'count'], 2);
    return strMethod(v, 'replace', pyStr(oldArg!), pyStr(newArg!), count ?? -1n);
  },
  round: (_c, v, call) => round(v, call),
  safe: (_c, v, call) => (bind('safe', call, []), v instanceof Markup ? v : new Markup(pyStr(v))),
  string: (_c, v, call) => (bind('string', call, []), v instanceof Markup ? v : pyStr(v)),
  striptags: (_c, v, call) => (bind('striptags', call, []), stripTags(pyStr(v))),
  title: (_c, v, call) => (bind('title', call, []), title(v)),
  trim: (_c, v, call) => {
    const [chars_] = bind('trim', call, ['chars']);
    return strip(pyStr(v), 'both', chars_ === undefined || chars_ === null ? null : pyStr(chars_));
  },
  truncate: (_c, v, call) => truncate(v, call),
  urlencode: (_c, v, call) => (bind('urlencode', call, []), urlencode(v)),
  wordcount: (_c, v, call) => (bind('wordcount', call, []), BigInt((pyStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length)),
  wordwrap: (_c, v, call) => wordwrap(v, call),
  xmlattr: (_c, v, call) => xmlattr(v, call),
  tojson: (_c, v, call) => {
    const [indentArg] = bind('tojson', call, ['indent']);
    const indentOpt =
      indentArg === undefined || indentArg === null
        ? undefined
        : isStr(indentArg)
          ? strText(indentArg)
          : optNum(indentArg, 0);
    const json = jsonDumps(v, { sortKeys: true, indent: indentOpt });
    return new Markup(
      json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027'),
    );
  },
};
