/**
 * Exact decimal formatting of doubles the way CPython does it: `%f`, `%e`, `%g` and `round()` round the exact
 * binary value half-to-even (JS `toFixed` rounds exact ties up, so `'%.0f' % 2.5` would give 3, not 2).
 */

/** Splits a finite double into `m * 2**e` with an integer `m`. */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const bits = (hi >>> 20) & 0x7ff;
  const mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  return bits === 0 ? [mantissa, -1074] : [mantissa | (1n << 52n), bits - 1075];
}

/** round-half-even(|x| * 10**p) as an integer, for any integer p. */
function scaledRound(x: number, p: number): bigint {
  const [m, e] = decompose(Math.abs(x));
  let num = p >= 0 ? m * 10n ** BigInt(p) : m;
  let den = p >= 0 ? 1n : 10n ** BigInt(-p);
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  const q = num / den;
  const twice = 2n * (num % den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

function sign(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

function nonFinite(x: number): string | undefined {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return undefined;
}

/** `'%.{precision}f' % x`. */
export function formatFixed(x: number, precision: number): string {
  const special = nonFinite(x);
  if (special) return special;
  const digits = scaledRound(x, precision)
    .toString()
    .padStart(precision + 1, '0');
  const whole = digits.slice(0, digits.length - precision);
  return sign(x) + (precision > 0 ? `${whole}.${digits.slice(-precision)}` : whole);
}

/** Digits and decimal exponent of x rounded to `significant` digits: `[d1d2d3…, exp]`. */
function significantDigits(x: number, significant: number): [string, number] {
  if (x === 0) return ['0'.repeat(significant), 0];
  let exp = Math.floor(Math.log10(Math.abs(x)));
  let digits = scaledRound(x, significant - 1 - exp).toString();
  if (digits.length < significant) digits = scaledRound(x, significant - 1 - --exp).toString();
  if (digits.length > significant) {
    exp++;
    digits = scaledRound(x, significant - 1 - exp).toString();
  }
  return [digits, exp];
}

/** `'%.{precision}e' % x`. */
export function formatExponent(x: number, precision: number, upper = false): string {
  const special = nonFinite(x);
  if (special) return upper ? special.toUpperCase() : special;
  const [digits, exp] = significantDigits(x, precision + 1);
  const mantissa = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${sign(x)}${mantissa}${upper ? 'E' : 'e'}${e}`;
}

/** `'%.{precision}g' % x`; `alternate` (`#`) keeps trailing zeros. */
export function formatGeneral(x: number, precision: number, upper = false, alternate = false): string {
  const special = nonFinite(x);
  if (special) return upper ? special.toUpperCase() : special;
  const p = precision === 0 ? 1 : precision;
  const exp = x === 0 ? 0 : significantDigits(x, p)[1];
  const text = exp >= -4 && exp < p ? formatFixed(x, p - 1 - exp) : formatExponent(x, p - 1, upper);
  if (alternate) return text;
  const [mantissa, exponent = ''] = text.split(/(?=[eE])/);
  return (mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa) + exponent;
}

/** Python's `round(x, ndigits)` for a float. */
export function roundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  const scaled = scaledRound(x, ndigits);
  const value = ndigits >= 0 ? Number(`${scaled}e-${ndigits}`) : Number(`${scaled}e${-ndigits}`);
  return x < 0 ? -value : value;
}
