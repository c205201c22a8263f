/** Converting the caller's variables into template values, the way Kluctl hands them to Jinja2. */

import type { PyValue } from './python/values.js';

/** Marks a number as a Python float even when it is integral (`new TemplateFloat(1)` prints `1.0`). */
export class TemplateFloat {
  constructor(readonly value: number) {}
}

/** JSON-like data; objects and Maps become dicts, arrays lists. `undefined` object members are skipped. */
export type TemplateValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | TemplateFloat
  | readonly TemplateValue[]
  | ReadonlyMap<string, TemplateValue>
  | { readonly [key: string]: TemplateValue | undefined };

export type TemplateContext = Readonly<Record<string, TemplateValue | undefined>>;

/** Byte-wise (code point) order, as Go sorts map keys when Kluctl encodes the vars as JSON. */
/** A UTF-16 unit where code unit order and code point order may differ (surrogates, and the units above them). */
const HIGH_UNIT = /[\ud800-\uffff]/;

function compareKeys(a: string, b: string): number {
  // UTF-16 order is code point order up to the first differing unit, unless that unit is a surrogate or above.
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  if (ca < 0xd800 && cb < 0xd800) return ca - cb;
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * A number is an int when it is integral and below 1e21 (what Go's JSON encoder writes without an exponent),
 * otherwise a float; `TemplateFloat` forces a float; bigints are ints. Dict keys are sorted (spec §3.1).
 */
export function toPython(v: TemplateValue): PyValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
  // Go writes the float64 with its shortest digits (12345678901234567890 arrives as 12345678901234567000), and
  // Python reads those digits: BigInt(v) would give the binary value's digits (…67168) instead.
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(String(v)) : v;
  if (v instanceof TemplateFloat) return v.value;
  if (Array.isArray(v)) return v.map(toPython);
  if (!(v instanceof Map)) {
    // Plain objects (vars), the common case and large ones: keys sorted natively when code unit order is code point
    // order (no unit from U+D800 up), no arrays of entries.
    const obj = v as { readonly [key: string]: TemplateValue | undefined };
    const keys = Object.keys(obj);
    keys.sort(keys.some((k) => HIGH_UNIT.test(k)) ? compareKeys : undefined);
    const out = new Map<string, PyValue>();
    for (const k of keys) {
      const x = obj[k];
      if (x !== undefined) out.set(k, toPython(x));
    }
    return out;
  }
  // `instanceof Map` cannot narrow the ReadonlyMap member of the union: the cast says what it holds.
  const entries: [string, TemplateValue | undefined][] = Array.from(v as ReadonlyMap<string, TemplateValue>);
  return new Map(
    entries
      .filter((e): e is [string, TemplateValue] => e[1] !== undefined)
      .sort((a, b) => compareKeys(a[0], b[0]))
      .map(([k, x]) => [k, toPython(x)]),
  );
}
