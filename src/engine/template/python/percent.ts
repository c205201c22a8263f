/** Python's printf-style formatting: `'%s' % x` and Jinja2's `format` filter. */

import { PyError, typeError, valueError } from './errors.js';
import { formatExponent, formatFixed, formatGeneral } from './floatfmt.js';
import { pyRepr, pyStr, typeName } from './repr.js';
import { strLen } from './text.js';
import { PyTuple, intOf, isInt, isStr, strText, type PyValue } from './values.js';

interface Spec {
  flags: string;
  width: number;
  precision: number | undefined;
  type: string;
}

/** `fmt % args`: a tuple supplies positional values, a dict `%(name)s` values, anything else one value. */
export function formatPercent(fmt: string, args: PyValue): string {
  const positional = args instanceof PyTuple ? [...args.items] : [args];
  const mapping = args instanceof Map ? args : undefined;
  let next = 0;
  let usedMapping = false;
  const take = (): PyValue => {
    if (next >= positional.length) throw typeError('not enough arguments for format string');
    return positional[next++];
  };
  const re = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])|%/g;
  const out = fmt.replace(
    re,
    (whole, key: string | undefined, flags: string, width?: string, precision?: string, type?: string) => {
      if (!type) throw valueError(`incomplete format`);
      if (type === '%' && whole === '%%') return '%';
      const lookup = (name: string): PyValue => {
        if (!mapping) throw typeError('format requires a mapping');
        usedMapping = true;
        const v = mapping.get(name);
        if (v === undefined) throw new PyError('KeyError', pyRepr(name));
        return v;
      };
      const w = width === '*' ? Number(take()) : Number(width ?? 0);
      const p = precision === '*' ? Number(take()) : precision === undefined ? undefined : Number(precision);
      const value = key !== undefined ? lookup(key) : take();
      return convert(value, { flags, width: w, precision: p, type });
    },
  );
  if (!usedMapping && next < positional.length && !(mapping && next === 0)) {
    throw typeError('not all arguments converted during string formatting');
  }
  return out;
}

function convert(v: PyValue, spec: Spec): string {
  const { flags, precision, type } = spec;
  let body: string;
  let sign: string;
  switch (type) {
    case 's':
    case 'r':
    case 'a': {
      body = type === 's' ? pyStr(v) : pyRepr(v);
      if (precision !== undefined) body = Array.from(body).slice(0, precision).join('');
      return justify(body, spec, '');
    }
    case 'c':
      body = isInt(v) ? String.fromCodePoint(Number(intOf(v))) : isStr(v) && strLen(strText(v)) === 1 ? strText(v) : '';
      if (!body) throw typeError('%c requires int or char');
      return justify(body, spec, '');
    case 'd':
    case 'i':
    case 'u': {
      const n = toInteger(v, type, true);
      sign = n < 0n ? '-' : signOf(flags);
      body = (n < 0n ? -n : n).toString();
      break;
    }
    case 'o':
    case 'x':
    case 'X': {
      const n = toInteger(v, type, false);
      sign = n < 0n ? '-' : signOf(flags);
      body = (n < 0n ? -n : n).toString(type === 'o' ? 8 : 16);
      if (type === 'X') body = body.toUpperCase();
      if (flags.includes('#')) body = (type === 'o' ? '0o' : type === 'x' ? '0x' : '0X') + body;
      break;
    }
    default: {
      const x = toFloat(v);
      sign = x < 0 || Object.is(x, -0) ? '-' : signOf(flags);
      body = floatBody(Math.abs(x), type, precision ?? 6, flags.includes('#'));
    }
  }
  return justify(body, spec, sign);
}

function floatBody(x: number, type: string, precision: number, alternate: boolean): string {
  const upper = type === type.toUpperCase();
  if (type === 'f' || type === 'F') {
    const s = formatFixed(x, precision);
    return upper ? s.toUpperCase() : alternate && precision === 0 ? `${s}.` : s;
  }
  if (type === 'e' || type === 'E') return formatExponent(x, precision, upper);
  return formatGeneral(x, precision, upper, alternate);
}

function signOf(flags: string): string {
  return flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
}

function justify(body: string, spec: Spec, sign: string): string {
  const pad = spec.width - strLen(body) - sign.length;
  if (pad <= 0) return sign + body;
  if (spec.flags.includes('-')) return sign + body + ' '.repeat(pad);
  if (spec.flags.includes('0') && !'srac'.includes(spec.type)) return sign + '0'.repeat(pad) + body;
  return ' '.repeat(pad) + sign + body;
}

function toInteger(v: PyValue, type: string, allowFloat: boolean): bigint {
  if (isInt(v)) return intOf(v);
  if (typeof v === 'number' && allowFloat) {
    if (!Number.isFinite(v)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(Math.trunc(v));
  }
  throw typeError(`%${type} format: ${allowFloat ? 'a real number' : 'an integer'} is required, not ${typeName(v)}`);
}

function toFloat(v: PyValue): number {
  if (isInt(v)) return Number(intOf(v));
  if (typeof v === 'number') return v;
  throw typeError(`must be real number, not ${typeName(v)}`);
}
