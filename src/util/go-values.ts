/**
 * Helpers for JSON-like values as Kluctl's Go code sees them. Two Go shapes that JSON cannot express are tracked by
 * identity: maps that Kluctl's normalisation wraps in a `*UnstructuredObject` (they diff differently) and nil slices
 * (they diff like an empty list but serialise as `null`).
 */

export type JsonMap = Record<string, unknown>;

export const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

const goPointers = new WeakSet<object>();
const nilSlices = new WeakSet<object>();

/** Marks a map as held through a Go pointer (`*uo.UnstructuredObject`), as Kluctl's env/secret normalisation does. */
export function asGoPointer<T extends JsonMap>(m: T): T {
  goPointers.add(m);
  return m;
}

export const isGoPointer = (v: unknown): boolean => typeof v === 'object' && v !== null && goPointers.has(v);

/** An empty list that stands for a Go nil slice (JSON.stringify writes it as null, like Go). */
export function goNilSlice(): unknown[] {
  const l: unknown[] = [];
  Object.defineProperty(l, 'toJSON', { value: () => null });
  nilSlices.add(l);
  return l;
}

export const isGoNilSlice = (v: unknown): boolean => Array.isArray(v) && nilSlices.has(v);

/** A plain JSON copy: what Go's json.Marshal would write, read back (nil slices become null, undefined keys go). */
export function toPlainJson(v: unknown): unknown {
  if (v === undefined) return null;
  if (isGoNilSlice(v)) return null;
  if (Array.isArray(v)) return v.map(toPlainJson);
  if (isMap(v)) {
    const out: JsonMap = {};
    for (const [k, e] of Object.entries(v)) if (e !== undefined) out[k] = toPlainJson(e);
    return out;
  }
  return Object.is(v, -0) ? 0 : v;
}

export function deepClone<T>(v: T): T {
  return toPlainJson(v) as T;
}

/** Deep equality of plain JSON values; absent keys differ from null ones. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((e, i) => jsonEqual(e, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Go's fmt.Sprint of a float64: shortest digits, exponent form below 1e-4 and from 1e6 ("1e+06"). */
export function goFormatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

/** Go's strconv.ParseBool; undefined when the text is not a boolean. */
export function goParseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Go's string comparison (UTF-8 byte order). */
export function goStringCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
