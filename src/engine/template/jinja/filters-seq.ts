/** Jinja2 3.1's filters over sequences and mappings. Generator-returning filters return lazy iterators. */

import { pythonAttr, undefinedAttr } from '../python/access.js';
import { iterate, pyLen, toList } from '../python/containers.js';
import { bind } from '../python/args.js';
import { PyError, typeError } from '../python/errors.js';
import { arith, checkDefined, order, pyEq, truthy } from '../python/ops.js';
import { pyStr, typeName } from '../python/repr.js';
import { chars } from '../python/text.js';
import {
  Markup,
  PyIterator,
  PyObject,
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
import type { Filter, FilterContext } from '../runtime/environment.js';
import { attrGetter, ignoreCase, multiAttrGetter, pair, type Getter } from './attrs.js';

const flag = (v: PyValue | undefined) => v !== undefined && truthy(v);
const nonNull = (v: PyValue | undefined): PyValue => (v === undefined ? null : v);

function generator(source: () => Iterator<PyValue>): PyIterator {
  let it: Iterator<PyValue> | undefined;
  return new PyIterator('generator', { next: () => (it ??= source()).next() });
}

function sortBy(items: PyValue[], key: Getter, reverse: boolean): PyValue[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => (reverse ? order(b.key, a.key) : order(a.key, b.key)));
  return keyed.map((k) => k.item);
}

function caseKey(caseSensitive: PyValue | undefined): Getter | undefined {
  return flag(caseSensitive) ? undefined : ignoreCase;
}

function minMax(ctx: FilterContext, value: PyValue, call: CallArgs, name: string, pickGreater: boolean): PyValue {
  const [caseSensitive, attribute] = bind(name, call, ['case_sensitive', 'attribute']);
  const items = toList(value);
  if (items.length === 0) return new Undefined('No aggregated item, sequence was empty.', ctx.env.strict);
  const key = attrGetter(ctx.env.strict, nonNull(attribute), { postprocess: caseKey(caseSensitive) });
  let best = items[0];
  let bestKey = key(best);
  for (const item of items.slice(1)) {
    const k = key(item);
    if (pickGreater ? order(k, bestKey) > 0 : order(k, bestKey) < 0) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

/** select/reject/selectattr/rejectattr: `test` applied to the item (or its attribute). */
function selectOrReject(
  ctx: FilterContext,
  value: PyValue,
  call: CallArgs,
  keep: boolean,
  lookupAttr: boolean,
): PyValue {
  return generator(function* () {
    if (!truthy(value)) return;
    let transform: Getter = (x) => x;
    let rest = call.args;
    if (lookupAttr) {
      if (rest.length === 0) throw new PyError('FilterArgumentError', 'Missing parameter for attribute name');
      transform = attrGetter(ctx.env.strict, rest[0]);
      rest = rest.slice(1);
    }
    const test: (x: PyValue) => boolean =
      rest.length === 0 ? truthy : (x) => ctx.callTest(pyStr(rest[0]), x, { args: rest.slice(1), kwargs: call.kwargs });
    for (const item of iterate(value)) if (test(transform(item)) === keep) yield item;
  });
}

function map(ctx: FilterContext, value: PyValue, call: CallArgs): PyValue {
  return generator(function* () {
    if (!truthy(value)) return;
    let fn: Getter;
    if (call.args.length === 0 && call.kwargs.has('attribute')) {
      const kwargs = new Map(call.kwargs);
      const attribute = kwargs.get('attribute')!;
      const dflt = kwargs.get('default');
      kwargs.delete('attribute');
      kwargs.delete('default');
      if (kwargs.size > 0)
        throw new PyError('FilterArgumentError', `Unexpected keyword argument '${[...kwargs.keys()][0]}'`);
      fn = attrGetter(ctx.env.strict, attribute, { dflt: dflt === undefined ? null : dflt });
    } else {
      if (call.args.length === 0) throw new PyError('FilterArgumentError', 'map requires a filter argument');
      const name = pyStr(call.args[0]);
      fn = (item) => ctx.callFilter(name, item, { args: call.args.slice(1), kwargs: call.kwargs });
    }
    for (const item of iterate(value)) yield fn(item);
  });
}

function groupby(ctx: FilterContext, value: PyValue, call: CallArgs): PyValue {
  const [attribute, dflt, caseSensitive] = bind('groupby', call, ['attribute', 'default', 'case_sensitive'], 1);
  const strict = ctx.env.strict;
  const opts = { dflt: dflt === undefined ? undefined : dflt };
  const key = attrGetter(strict, attribute!, { ...opts, postprocess: caseKey(caseSensitive) });
  const output = attrGetter(strict, attribute!, opts);
  const groups: { key: PyValue; items: PyValue[] }[] = [];
  for (const item of sortBy(toList(value), key, false)) {
    const k = key(item);
    const last = groups[groups.length - 1];
    if (last && pyEq(last.key, k)) last.items.push(item);
    else groups.push({ key: k, items: [item] });
  }
  return groups.map(
    (g) => new PyTuple([flag(caseSensitive) ? g.key : output(g.items[0]), g.items], ['grouper', 'list']),
  );
}

function reverse(value: PyValue): PyValue {
  if (isStr(value)) {
    const text = chars(strText(value)).reverse().join('');
    return value instanceof Markup ? new Markup(text) : text;
  }
  if (Array.isArray(value) || value instanceof PyTuple || value instanceof Map) {
    const items = toList(value).reverse();
    const kind = Array.isArray(value)
      ? 'list_reverseiterator'
      : value instanceof Map
        ? 'dict_reversekeyiterator'
        : 'reversed';
    return new PyIterator(kind, items[Symbol.iterator]());
  }
  return toList(value).reverse();
}

function last(ctx: FilterContext, value: PyValue): PyValue {
  const reversible =
    Array.isArray(value) ||
    value instanceof Map ||
    value instanceof PyTuple ||
    (value instanceof PyObject && value.len() !== undefined && value.getItem(0n) !== undefined);
  const seq = isStr(value) ? chars(strText(value)) : reversible ? toList(value) : undefined;
  if (!seq) {
    checkDefined(value);
    throw typeError(`'${typeName(value)}' object is not reversible`);
  }
  return seq.length > 0 ? seq[seq.length - 1] : new Undefined('No last item, sequence was empty.', ctx.env.strict);
}

function slice(value: PyValue, call: CallArgs): PyValue {
  const [slicesArg, fillWith] = bind('slice', call, ['slices', 'fill_with'], 1);
  return generator(function* () {
    const seq = toList(value);
    const slices = Number(intOf(slicesArg as bigint));
    const perSlice = Math.floor(seq.length / slices);
    const withExtra = seq.length % slices;
    let offset = 0;
    for (let n = 0; n < slices; n++) {
      const start = offset + n * perSlice;
      if (n < withExtra) offset++;
      const part = seq.slice(start, offset + (n + 1) * perSlice);
      if (fillWith !== undefined && fillWith !== null && n >= withExtra) part.push(fillWith);
      yield part;
    }
  });
}

function batch(value: PyValue, call: CallArgs): PyValue {
  const [countArg, fillWith] = bind('batch', call, ['linecount', 'fill_with'], 1);
  const count = Number(isInt(countArg!) ? intOf(countArg) : (countArg as number));
  return generator(function* () {
    let tmp: PyValue[] = [];
    for (const item of iterate(value)) {
      if (tmp.length === count) {
        yield tmp;
        tmp = [];
      }
      tmp.push(item);
    }
    if (tmp.length > 0) {
      if (fillWith !== undefined && fillWith !== null) while (tmp.length < count) tmp.push(fillWith);
      yield tmp;
    }
  });
}

/**
 * Python's builtin `sum` (3.12+, the Python kluctl v2.28 embeds): exact ints stay ints; once a float is involved,
 * floats and ints are added with Neumaier compensation, so `[0.1, 0.2, 0.3] | sum` is 0.6, not 0.6000000000000001.
 */
function pySum(items: PyValue[], start: PyValue): PyValue {
  let acc = start;
  let i = 0;
  while (i < items.length) {
    const x = items[i];
    if (typeof acc === 'bigint' && typeof x === 'bigint') {
      acc += x;
      i++;
      continue;
    }
    if ((typeof acc === 'bigint' || typeof acc === 'number') && typeof x === 'number') {
      let f = Number(acc);
      let c = 0;
      for (; i < items.length; i++) {
        const item = items[i];
        let y: number;
        if (typeof item === 'number') y = item;
        else if (typeof item === 'bigint' && item >= -(2n ** 63n) && item < 2n ** 63n) y = Number(item);
        else break;
        const t = f + y;
        c += Math.abs(f) >= Math.abs(y) ? f - t + y : y - t + f;
        f = t;
      }
      acc = c && Number.isFinite(c) ? f + c : f;
      continue;
    }
    acc = arith('+', acc, x);
    i++;
  }
  return acc;
}

export const SEQ_FILTERS: Record<string, Filter> = {
  attr: (ctx, v, call) => {
    const name = pyStr(bind('attr', call, ['name'], 1)[0]!);
    checkDefined(v);
    return orElse(pythonAttr(v, name), () => undefinedAttr(v, name, ctx.env.strict));
  },
  batch: (_c, v, call) => batch(v, call),
  dictsort: (_c, v, call) => {
    const [caseSensitive, by, rev] = bind('dictsort', call, ['case_sensitive', 'by', 'reverse']);
    const pos = by === undefined || pyStr(by) === 'key' ? 0 : pyStr(by) === 'value' ? 1 : -1;
    if (pos < 0) throw new PyError('FilterArgumentError', 'You can only sort by either "key" or "value"');
    if (!(v instanceof Map)) throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute 'items'`);
    const post = caseKey(caseSensitive) ?? ((x: PyValue) => x);
    return sortBy(
      [...v].map(([k, x]) => pair(k, x)),
      (item) => post((item as PyTuple).items[pos]),
      flag(rev),
    );
  },
  first: (ctx, v, call) => {
    bind('first', call, []);
    for (const item of iterate(v)) return item;
    return new Undefined('No first item, sequence was empty.', ctx.env.strict);
  },
  groupby: (ctx, v, call) => groupby(ctx, v, call),
  items: (_c, v, call) => {
    bind('items', call, []);
    if (v instanceof Undefined) return generator(() => [][Symbol.iterator]());
    if (!(v instanceof Map)) throw typeError('Can only get item pairs from a mapping.');
    return generator(() => [...v].map(([k, x]) => pair(k, x) as PyValue)[Symbol.iterator]());
  },
  join: (ctx, v, call) => {
    const [sep, attribute] = bind('join', call, ['d', 'attribute']);
    let items = toList(v);
    if (attribute !== undefined && attribute !== null) items = items.map(attrGetter(ctx.env.strict, attribute));
    return items.map(pyStr).join(sep === undefined ? '' : pyStr(sep));
  },
  last: (ctx, v, call) => (bind('last', call, []), last(ctx, v)),
  length: (_c, v, call) => (bind('length', call, []), BigInt(pyLen(v))),
  list: (_c, v, call) => (bind('list', call, []), toList(v)),
  map: (ctx, v, call) => map(ctx, v, call),
  max: (ctx, v, call) => minMax(ctx, v, call, 'max', true),
  min: (ctx, v, call) => minMax(ctx, v, call, 'min', false),
  random: (_c, v, call) => {
    bind('random', call, []);
    const items = toList(v);
    if (items.length === 0) throw new PyError('IndexError', 'Cannot choose from an empty sequence');
    return items[Math.floor(Math.random() * items.length)];
  },
  reject: (ctx, v, call) => selectOrReject(ctx, v, call, false, false),
  rejectattr: (ctx, v, call) => selectOrReject(ctx, v, call, false, true),
  select: (ctx, v, call) => selectOrReject(ctx, v, call, true, false),
  selectattr: (ctx, v, call) => selectOrReject(ctx, v, call, true, true),
  reverse: (_c, v, call) => (bind('reverse', call, []), reverse(v)),
  slice: (_c, v, call) => slice(v, call),
  sort: (ctx, v, call) => {
    const [rev, caseSensitive, attribute] = bind('sort', call, ['reverse', 'case_sensitive', 'attribute']);
    return sortBy(toList(v), multiAttrGetter(ctx.env.strict, nonNull(attribute), caseKey(caseSensitive)), flag(rev));
  },
  sum: (ctx, v, call) => {
    const [attribute, start] = bind('sum', call, ['attribute', 'start']);
    let items = toList(v);
    if (attribute !== undefined && attribute !== null) items = items.map(attrGetter(ctx.env.strict, attribute));
    const first = start === undefined ? 0n : start;
    if (isStr(first)) throw typeError("sum() can't sum strings [use ''.join(seq) instead]");
    return pySum(items, first);
  },
  unique: (ctx, v, call) => {
    const [caseSensitive, attribute] = bind('unique', call, ['case_sensitive', 'attribute']);
    const key = attrGetter(ctx.env.strict, nonNull(attribute), { postprocess: caseKey(caseSensitive) });
    return generator(function* () {
      const seen: PyValue[] = [];
      for (const item of iterate(v)) {
        const k = key(item);
        if (seen.some((s) => pyEq(s, k))) continue;
        seen.push(k);
        yield item;
      }
    });
  },
};
