/**
 * Scalars as kluctl reads its own files: sigs.k8s.io/yaml, i.e. go-yaml v2's `resolve` into Go values, then JSON.
 * That is neither YAML 1.1 nor 1.2 by the book: `.` and `12:30` are strings (no sexagesimal numbers), `0o17` is
 * octal (Go's strconv base 0), `y`/`n`/`on`/`off` are booleans, `08` is the float 8 (no valid octal int, but it
 * matches the float pattern), `1e400` stays a string (the float parse overflows).
 */

const RESOLVE_MAP = new Map<string, unknown>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((s) => [s, false] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((s) => [s, null] as const),
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, -Infinity] as const),
  ['<<', '<<'],
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
const GO_INT_BASE0 = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const TIMESTAMP_START = /^[0-9]{4}-/;

/** A resolved Go integer: exact, for the string form a string field gets. */
export class GoInt {
  constructor(readonly value: bigint) {}
}

/** The Go value of an untagged plain scalar: string, bool, null, number, or GoInt for integers. */
export function resolveGoV2(s: string): unknown {
  if (RESOLVE_MAP.has(s)) return RESOLVE_MAP.get(s);
  const c = s[0];
  if (c === '.') return DOT_FLOAT.test(s) ? Number(s) : s;
  if (c !== '+' && c !== '-' && !(c >= '0' && c <= '9')) return s;
  // Timestamps are kept as written (kluctl's JSON would give RFC 3339; templates see the text either way).
  if (TIMESTAMP_START.test(s)) return s;
  const plain = s.replace(/_/g, '');
  const int = parseGoInt(plain);
  if (int !== undefined) return new GoInt(int);
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return f;
  }
  return s;
}

/** strconv.ParseInt/ParseUint with base 0 (beyond 64 bits go-yaml falls back to big.Int: also an integer). */
function parseGoInt(s: string): bigint | undefined {
  if (!GO_INT_BASE0.test(s)) return undefined;
  const negative = s[0] === '-';
  const digits = s[0] === '-' || s[0] === '+' ? s.slice(1) : s;
  let v: bigint;
  if (/^0[xXoObB]/.test(digits)) v = BigInt(digits.toLowerCase());
  else if (digits.length > 1 && digits[0] === '0') v = BigInt(`0o${digits.slice(1)}`);
  else v = BigInt(digits);
  return negative ? -v : v;
}

/** The JSON number kluctl ends up with (float64 through encoding/json; precision beyond 2^53 is lost there too). */
export function goValueToJs(v: unknown): unknown {
  return v instanceof GoInt ? Number(v.value) : v;
}

/** What sigs.k8s.io/yaml makes of a resolved scalar for a Go string field (ints, floats and bools become text). */
export function goScalarAsString(v: unknown): string | undefined {
  if (v instanceof GoInt) return v.value.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatFloat32g(v);
  return undefined;
}

/** Go's strconv.FormatFloat(v, 'g', -1, 32). */
export function formatFloat32g(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const f = Math.fround(v);
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  let digits = '';
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const e = f.toExponential(p - 1);
    if (Math.fround(Number(e)) === f) {
      const [m, x] = e.split('e');
      digits = m.replace('-', '').replace('.', '');
      exp = Number(x);
      break;
    }
  }
  const sign = f < 0 ? '-' : '';
  // With the shortest precision Go switches to the exponent form from 1e+06 on.
  if (exp < -4 || exp >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole =
    digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : digits.padEnd(exp + 1, '0');
  return sign + whole;
}
