/** Jinja2's attribute getters behind `map(attribute=…)`, `sort(attribute=…)`, `groupby`, `sum`, … */

import { getItem } from '../python/access.js';
import { PyTuple, Undefined, isStr, strText, type PyValue } from '../python/values.js';

export type Getter = (item: PyValue) => PyValue;

/** `a.b.0` → `['a', 'b', 0]`; an int attribute is a single index; None means the item itself. */
function parts(attribute: PyValue): PyValue[] {
  if (attribute === null) return [];
  if (isStr(attribute))
    return strText(attribute)
      .split('.')
      .map((p) => (/^\d+$/.test(p) ? BigInt(p) : p));
  return [attribute];
}

/** Lower-cases strings, for the case-insensitive default of sort/groupby/unique/min/max. */
export function ignoreCase(v: PyValue): PyValue {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

export function attrGetter(
  strict: boolean,
  attribute: PyValue,
  opts: { postprocess?: Getter; dflt?: PyValue } = {},
): Getter {
  const path = parts(attribute);
  return (item) => {
    for (const part of path) item = getItem(item, part, strict);
    if (opts.dflt !== undefined && item instanceof Undefined) item = opts.dflt;
    return opts.postprocess ? opts.postprocess(item) : item;
  };
}

/** `sort(attribute='a,b')`: the key is the list of each attribute's value. */
export function multiAttrGetter(strict: boolean, attribute: PyValue, postprocess?: Getter): Getter {
  const attrs = isStr(attribute) ? strText(attribute).split(',') : [attribute];
  const getters = attrs.map((a) => attrGetter(strict, a, { postprocess }));
  return (item) => getters.map((g) => g(item));
}

export function pair(k: PyValue, v: PyValue): PyTuple {
  return new PyTuple([k, v]);
}
