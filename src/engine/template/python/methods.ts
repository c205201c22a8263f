/** The methods of `str`, `list`, `tuple` and `dict` that templates call (`x.startswith('a')`, `d.items()`). */

import { bind } from './args.js';
import { PyError, typeError, valueError } from './errors.js';
import { DictView, iterate, mapGet, mapSet, toList } from './containers.js';
import { strFormat, type FieldAccess } from './format.js';
import { order, pyEq, toIndex, truthy } from './ops.js';
import { pyRepr, typeName } from './repr.js';
import * as text from './text.js';
import {
  BuiltinFunction,
  Markup,
  PyTuple,
  isStr,
  orElse,
  strText,
  type CallArgs,
  type PyDict,
  type PyValue,
} from './values.js';

type Method<T> = (self: T, call: CallArgs, name: string, fields: FieldAccess) => PyValue;

/** The built-in method `name` of `obj` bound to it; `fields` is the attribute and item access `str.format` uses. */
export function methodOf(obj: PyValue, name: string, fields: FieldAccess): BuiltinFunction | undefined {
  const bindTo = <T>(table: Record<string, Method<T>>, self: T, owner: string) =>
    Object.hasOwn(table, name)
      ? new BuiltinFunction(name, (call) => table[name](self, call, name, fields), owner)
      : undefined;
  if (isStr(obj)) {
    const method = bindTo(STR_METHODS, strText(obj), 'str');
    // Markup's methods return Markup again; the text is the same either way.
    return method && obj instanceof Markup
      ? new BuiltinFunction(name, (call) => remark(method.call(call)), 'Markup')
      : method;
  }
  if (Array.isArray(obj)) return bindTo(LIST_METHODS, obj, 'list');
  if (obj instanceof Map) return bindTo(DICT_METHODS, obj, 'dict');
  if (obj instanceof PyTuple) return bindTo(TUPLE_METHODS, obj.items, 'tuple');
  return undefined;
}

function remark(v: PyValue): PyValue {
  return typeof v === 'string' ? new Markup(v) : v;
}

function str(v: PyValue | undefined, what: string): string {
  if (v !== undefined && isStr(v)) return strText(v);
  throw typeError(`${what} must be str, not ${typeName(v ?? null)}`);
}

function optStr(v: PyValue | undefined, what: string): string | null {
  return v === undefined || v === null ? null : str(v, what);
}

function optInt(v: PyValue | undefined, dflt: number): number {
  return v === undefined || v === null ? dflt : toIndex(v, 'slice indices');
}

/** The code points of `s[start:end]` for the `start`/`end` arguments of find/count/startswith. */
function window(
  s: string,
  startArg: PyValue | undefined,
  endArg: PyValue | undefined,
): { cs: string[]; offset: number } {
  const cs = text.chars(s);
  const norm = (v: PyValue | undefined, d: number) => {
    let i = optInt(v, d);
    if (i < 0) i = Math.max(0, i + cs.length);
    return Math.min(i, cs.length);
  };
  const start = norm(startArg, 0);
  return { cs: cs.slice(start, Math.max(start, norm(endArg, cs.length))), offset: start };
}

function findIn(s: string, call: CallArgs, name: string, fromRight: boolean): number {
  const [subArg, start, end] = bind(name, call, ['sub', 'start', 'end'], 1);
  const sub = str(subArg, 'must be str');
  const { cs, offset } = window(s, start, end);
  const hay = cs.join('');
  const unit = fromRight ? hay.lastIndexOf(sub) : hay.indexOf(sub);
  return unit < 0 ? -1 : offset + text.strLen(hay.slice(0, unit));
}

function affixTest(s: string, call: CallArgs, name: string, test: (hay: string, affix: string) => boolean): boolean {
  const [affix, start, end] = bind(name, call, ['prefix', 'start', 'end'], 1);
  const hay = window(s, start, end).cs.join('');
  if (affix instanceof PyTuple)
    return affix.items.some((a) => test(hay, str(a, `tuple for ${name} must only contain str, not`)));
  if (affix === undefined || !isStr(affix))
    throw typeError(`${name} first arg must be str or a tuple of str, not ${typeName(affix ?? null)}`);
  return test(hay, strText(affix));
}

function pad(s: string, call: CallArgs, name: string, place: (s: string, fill: string, n: number) => string): string {
  const [width, fill] = bind(name, call, ['width', 'fillchar'], 1);
  const f = fill === undefined ? ' ' : str(fill, 'The fill character');
  if (text.strLen(f) !== 1) throw typeError('The fill character must be exactly one character long');
  const n = toIndex(width!) - text.strLen(s);
  return n > 0 ? place(s, f, n) : s;
}

function replaceAll(s: string, old: string, rep: string, count: number): string {
  if (old === '') {
    const cs = text.chars(s);
    const n = count < 0 ? cs.length + 1 : Math.min(count, cs.length + 1);
    return (
      cs
        .slice(0, n)
        .map((c, i) => (i < n ? rep + c : c))
        .join('') +
      (n > cs.length ? rep : '') +
      cs.slice(n).join('')
    );
  }
  const parts = s.split(old);
  if (count < 0 || count >= parts.length - 1) return parts.join(rep);
  return parts.slice(0, count + 1).join(rep) + old + parts.slice(count + 1).join(old);
}

function charTest(re: RegExp, needsCased = false): Method<string> {
  return (s, call, name) => {
    bind(name, call, []);
    return s.length > 0 && re.test(s) && (!needsCased || s.toLowerCase() !== s.toUpperCase());
  };
}

const STR_METHODS: Record<string, Method<string>> = {
  upper: (s, c, n) => (bind(n, c, []), s.toUpperCase()),
  lower: (s, c, n) => (bind(n, c, []), s.toLowerCase()),
  casefold: (s, c, n) => (bind(n, c, []), s.toLowerCase()),
  swapcase: (s, c, n) => (
    bind(n, c, []),
    text
      .chars(s)
      .map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()))
      .join('')
  ),
  title: (s, c, n) => (bind(n, c, []), text.titleCase(s)),
  capitalize: (s, c, n) => (bind(n, c, []), text.capitalize(s)),
  strip: (s, c, n) => text.strip(s, 'both', optStr(bind(n, c, ['chars'])[0], 'strip arg')),
  lstrip: (s, c, n) => text.strip(s, 'left', optStr(bind(n, c, ['chars'])[0], 'lstrip arg')),
  rstrip: (s, c, n) => text.strip(s, 'right', optStr(bind(n, c, ['chars'])[0], 'rstrip arg')),
  split: (s, c, n) => {
    const [sep, max] = bind(n, c, ['sep', 'maxsplit']);
    const separator = optStr(sep, 'must be str or None');
    if (separator === '') throw valueError('empty separator');
    return text.split(s, separator, optInt(max, -1));
  },
  rsplit: (s, c, n) => {
    const [sep, max] = bind(n, c, ['sep', 'maxsplit']);
    const separator = optStr(sep, 'must be str or None');
    if (separator === '') throw valueError('empty separator');
    return text.rsplit(s, separator, optInt(max, -1));
  },
  splitlines: (s, c, n) => {
    const [keepends] = bind(n, c, ['keepends']);
    if (keepends === undefined || !truthy(keepends)) return text.splitLines(s);
    return (
      s
        // eslint-disable-next-line no-control-regex -- Python's str.splitlines() breaks at these control characters
        .match(/[^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|$)/g)!
        .filter((l) => l !== '')
    );
  },
  replace: (s, c, n) => {
    const [old, rep, count] = bind(n, c, ['old', 'new', 'count'], 2);
    return replaceAll(s, str(old, 'replace() argument 1'), str(rep, 'replace() argument 2'), optInt(count, -1));
  },
  join: (s, c, n) => {
    const [items] = bind(n, c, ['iterable'], 1);
    return toList(items!)
      .map((item, i) => {
        if (!isStr(item)) throw typeError(`sequence item ${i}: expected str instance, ${typeName(item)} found`);
        return strText(item);
      })
      .join(s);
  },
  startswith: (s, c, n) => affixTest(s, c, n, (hay, a) => hay.startsWith(a)),
  endswith: (s, c, n) => affixTest(s, c, n, (hay, a) => hay.endsWith(a)),
  find: (s, c, n) => BigInt(findIn(s, c, n, false)),
  rfind: (s, c, n) => BigInt(findIn(s, c, n, true)),
  index: (s, c, n) => {
    const i = findIn(s, c, n, false);
    if (i < 0) throw valueError('substring not found');
    return BigInt(i);
  },
  rindex: (s, c, n) => {
    const i = findIn(s, c, n, true);
    if (i < 0) throw valueError('substring not found');
    return BigInt(i);
  },
  count: (s, c, n) => {
    const [sub, start, end] = bind(n, c, ['sub', 'start', 'end'], 1);
    const hay = window(s, start, end).cs;
    const needle = str(sub, 'must be str');
    return BigInt(needle === '' ? hay.length + 1 : hay.join('').split(needle).length - 1);
  },
  format: (s, c, _n, fields) => strFormat(s, c.args, c.kwargs, fields),
  center: (s, c, n) => pad(s, c, n, (x, f, k) => text.center(x, text.strLen(x) + k, f)),
  ljust: (s, c, n) => pad(s, c, n, (x, f, k) => x + f.repeat(k)),
  rjust: (s, c, n) => pad(s, c, n, (x, f, k) => f.repeat(k) + x),
  zfill: (s, c, n) => {
    const width = toIndex(bind(n, c, ['width'], 1)[0]!);
    const k = width - text.strLen(s);
    if (k <= 0) return s;
    const signed = s.startsWith('+') || s.startsWith('-');
    return signed ? s[0] + '0'.repeat(k) + s.slice(1) : '0'.repeat(k) + s;
  },
  partition: (s, c, n) => {
    const sep = str(bind(n, c, ['sep'], 1)[0], 'must be str');
    const i = s.indexOf(sep);
    return new PyTuple(i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  rpartition: (s, c, n) => {
    const sep = str(bind(n, c, ['sep'], 1)[0], 'must be str');
    const i = s.lastIndexOf(sep);
    return new PyTuple(i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  removeprefix: (s, c, n) => {
    const p = str(bind(n, c, ['prefix'], 1)[0], 'must be str');
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  removesuffix: (s, c, n) => {
    const p = str(bind(n, c, ['suffix'], 1)[0], 'must be str');
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  },
  isdigit: charTest(/^\p{N}+$/u),
  isdecimal: charTest(/^\p{Nd}+$/u),
  isnumeric: charTest(/^\p{N}+$/u),
  isalpha: charTest(/^\p{L}+$/u),
  isalnum: charTest(/^[\p{L}\p{N}]+$/u),
  isspace: (s, c, n) => (bind(n, c, []), text.isSpace(s)),
  islower: charTest(/^[^\p{Lu}\p{Lt}]+$/u, true),
  isupper: charTest(/^[^\p{Ll}\p{Lt}]+$/u, true),
  istitle: (s, c, n) => (bind(n, c, []), s.toLowerCase() !== s.toUpperCase() && text.titleCase(s) === s),
};

function listIndex(list: PyValue[], v: PyValue | undefined): number {
  const i = optInt(v, -1);
  return i < 0 ? i + list.length : i;
}

const LIST_METHODS: Record<string, Method<PyValue[]>> = {
  append: (l, c, n) => (l.push(bind(n, c, ['object'], 1)[0]!), null),
  extend: (l, c, n) => (l.push(...toList(bind(n, c, ['iterable'], 1)[0]!)), null),
  insert: (l, c, n) => {
    const [index, value] = bind(n, c, ['index', 'object'], 2);
    const i = toIndex(index!);
    l.splice(i < 0 ? Math.max(0, i + l.length) : i, 0, value!);
    return null;
  },
  pop: (l, c, n) => {
    if (l.length === 0) throw new PyError('IndexError', 'pop from empty list');
    const i = listIndex(l, bind(n, c, ['index'])[0]);
    if (i < 0 || i >= l.length) throw new PyError('IndexError', 'pop index out of range');
    return l.splice(i, 1)[0];
  },
  remove: (l, c, n) => {
    const v = bind(n, c, ['value'], 1)[0]!;
    const i = l.findIndex((x) => pyEq(x, v));
    if (i < 0) throw valueError('list.remove(x): x not in list');
    l.splice(i, 1);
    return null;
  },
  index: (l, c, n) => seqIndex(l, bind(n, c, ['value'], 1)[0]!, 'list'),
  count: (l, c, n) => BigInt(l.filter((x) => pyEq(x, bind(n, c, ['value'], 1)[0]!)).length),
  reverse: (l, c, n) => (bind(n, c, []), l.reverse(), null),
  sort: (l, c, n) => {
    const [reverse] = bind(n, c, ['reverse']);
    l.sort(order);
    if (reverse !== undefined && truthy(reverse)) l.reverse();
    return null;
  },
  copy: (l, c, n) => (bind(n, c, []), [...l]),
  clear: (l, c, n) => (bind(n, c, []), (l.length = 0), null),
};

function seqIndex(items: readonly PyValue[], v: PyValue, owner: string): bigint {
  const i = items.findIndex((x) => pyEq(x, v));
  if (i < 0) throw valueError(owner === 'list' ? `${pyRepr(v)} is not in list` : 'tuple.index(x): x not in tuple');
  return BigInt(i);
}

const TUPLE_METHODS: Record<string, Method<readonly PyValue[]>> = {
  index: (t, c, n) => seqIndex(t, bind(n, c, ['value'], 1)[0]!, 'tuple'),
  count: (t, c, n) => BigInt(t.filter((x) => pyEq(x, bind(n, c, ['value'], 1)[0]!)).length),
};

const DICT_METHODS: Record<string, Method<PyDict>> = {
  items: (d, c, n) => (bind(n, c, []), new DictView('dict_items', d)),
  keys: (d, c, n) => (bind(n, c, []), new DictView('dict_keys', d)),
  values: (d, c, n) => (bind(n, c, []), new DictView('dict_values', d)),
  get: (d, c, n) => {
    const [key, dflt] = bind(n, c, ['key', 'default'], 1);
    return orElse(mapGet(d, key!), () => dflt ?? null);
  },
  update: (d, c) => {
    if (c.args.length > 1) throw typeError(`update expected at most 1 argument, got ${c.args.length}`);
    if (c.args.length === 1) updateFrom(d, c.args[0]);
    for (const [k, v] of c.kwargs) mapSet(d, k, v);
    return null;
  },
  pop: (d, c, n) => {
    const [key, dflt] = bind(n, c, ['key', 'default'], 1);
    const v = mapGet(d, key!);
    if (v === undefined) {
      if (dflt !== undefined) return dflt;
      throw new PyError('KeyError', pyRepr(key!));
    }
    for (const k of d.keys()) if (pyEq(k, key!)) d.delete(k);
    return v;
  },
  setdefault: (d, c, n) => {
    const [key, dflt] = bind(n, c, ['key', 'default'], 1);
    const v = mapGet(d, key!);
    if (v !== undefined) return v;
    mapSet(d, key!, dflt ?? null);
    return dflt ?? null;
  },
  copy: (d, c, n) => (bind(n, c, []), new Map(d)),
  clear: (d, c, n) => (bind(n, c, []), d.clear(), null),
};

/** `dict.update(other)` / `dict(other)`: a mapping, or an iterable of key/value pairs. */
export function updateFrom(d: PyDict, other: PyValue): void {
  if (other instanceof Map) {
    for (const [k, v] of other) mapSet(d, k, v);
    return;
  }
  let i = 0;
  for (const pair of iterate(other)) {
    const kv = toList(pair);
    if (kv.length !== 2)
      throw valueError(`dictionary update sequence element #${i} has length ${kv.length}; 2 is required`);
    mapSet(d, kv[0], kv[1]);
    i++;
  }
}
