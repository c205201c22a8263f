/** Python string formatting: `'%s' % x` (and Jinja2's `format` filter) and `str.format()`. */

import { getAttr, getItem } from './access.js';
import { PyError, typeError, valueError } from './errors.js';
import { formatExponent, formatFixed, formatGeneral } from './floatfmt.js';
import { pyRepr, pyStr, typeName } from './repr.js';
import { strLen } from './text.js';
import { PyTuple, intOf, isInt, isStr, strText, type Kwargs, type PyValue } from './values.js';

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

// ---- str.format ----

/** `fmt.format(*args, **kwargs)`. */
export function strFormat(fmt: string, args: PyValue[], kwargs: Kwargs): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (whole, field?: string) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    if (field === undefined)
      throw valueError(
        whole === '{' ? "Single '{' encountered in format string" : "Single '}' encountered in format string",
      );
    const m = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/.exec(field);
    if (!m) throw valueError(`invalid format field '${field}'`);
    const [, name, path, conversion, spec] = m;
    let value: PyValue;
    if (name === '') {
      if (auto >= args.length)
        throw new PyError('IndexError', `Replacement index ${auto} out of range for positional args tuple`);
      value = args[auto++];
    } else if (/^\d+$/.test(name)) {
      const i = Number(name);
      if (i >= args.length)
        throw new PyError('IndexError', `Replacement index ${i} out of range for positional args tuple`);
      value = args[i];
    } else {
      const v = kwargs.get(name);
      if (v === undefined) throw new PyError('KeyError', pyRepr(name));
      value = v;
    }
    for (const part of path.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      value = part.startsWith('.')
        ? getAttr(value, part.slice(1), true)
        : getItem(value, /^\d+$/.test(part.slice(1, -1)) ? BigInt(part.slice(1, -1)) : part.slice(1, -1), true);
    }
    if (conversion === 'r' || conversion === 'a') value = pyRepr(value);
    else if (conversion === 's') value = pyStr(value);
    return formatValue(value, spec ?? '');
  });
}

/** Python's `format(value, spec)` (the format-spec mini-language). */
export function formatValue(v: PyValue, spec: string): string {
  if (spec === '') return pyStr(v);
  const m = /^(?:(.)?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su.exec(spec);
  if (!m) throw valueError(`Invalid format specifier '${spec}' for object of type '${typeName(v)}'`);
  const [, fillChar, alignChar, signChar, , alt, zero, widthText, grouping, precisionText, typeChar] = m;
  const width = Number(widthText ?? 0);
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  const fill = fillChar ?? (zero && !alignChar ? '0' : ' ');
  const align = alignChar ?? (zero ? '=' : isStr(v) || (typeof v !== 'number' && !isInt(v)) ? '<' : '>');
  let sign = '';
  let body: string;
  if (isStr(v) || !(isInt(v) || typeof v === 'number')) {
    if (typeChar && typeChar !== 's')
      throw valueError(`Unknown format code '${typeChar}' for object of type '${typeName(v)}'`);
    body = pyStr(v);
    if (precision !== undefined) body = Array.from(body).slice(0, precision).join('');
  } else if (isInt(v) && (!typeChar || 'bcdoxXn'.includes(typeChar))) {
    const n = intOf(v);
    if (typeChar === 'c') body = String.fromCodePoint(Number(n));
    else {
      sign = n < 0n ? '-' : signChar === '+' || signChar === ' ' ? signChar : '';
      const base = typeChar === 'b' ? 2 : typeChar === 'o' ? 8 : typeChar === 'x' || typeChar === 'X' ? 16 : 10;
      body = (n < 0n ? -n : n).toString(base);
      if (typeChar === 'X') body = body.toUpperCase();
      if (grouping) body = group(body, grouping, base === 10 ? 3 : 4);
      if (alt && base !== 10) sign += `0${typeChar}`;
    }
  } else {
    const x = isInt(v) ? Number(intOf(v)) : v;
    sign = x < 0 || Object.is(x, -0) ? '-' : signChar === '+' || signChar === ' ' ? signChar : '';
    body = formatFloatSpec(Math.abs(x), typeChar, precision, !!alt);
    if (grouping) body = body.replace(/^\d+/, (digits) => group(digits, grouping, 3));
  }
  return align3(sign, body, fill, align, width);
}

function formatFloatSpec(x: number, type: string | undefined, precision: number | undefined, alt: boolean): string {
  switch (type) {
    case 'f':
    case 'F':
      return formatFixed(x, precision ?? 6);
    case 'e':
    case 'E':
      return formatExponent(x, precision ?? 6, type === 'E');
    case '%':
      return `${formatFixed(x * 100, precision ?? 6)}%`;
    case 'g':
    case 'G':
    case 'n':
      return formatGeneral(x, precision ?? 6, type === 'G', alt);
    default:
      if (precision === undefined) return pyRepr(x);
      return generalWithPoint(formatGeneral(x, precision, false, alt));
  }
}

/** The spec-less float presentation keeps one digit after the point in fixed notation. */
function generalWithPoint(s: string): string {
  return /^[\d]+$/.test(s) ? `${s}.0` : s;
}

function group(digits: string, sep: string, size: number): string {
  let out = '';
  for (let i = digits.length; i > 0; i -= size) out = digits.slice(Math.max(0, i - size), i) + (out ? sep + out : '');
  return out;
}

function align3(sign: string, body: string, fill: string, align: string, width: number): string {
  const pad = width - strLen(sign + body);
  if (pad <= 0) return sign + body;
  switch (align) {
    case '<':
      return sign + body + fill.repeat(pad);
    case '^':
      return fill.repeat(Math.floor(pad / 2)) + sign + body + fill.repeat(pad - Math.floor(pad / 2));
    case '=':
      return sign + fill.repeat(pad) + body;
    default:
      return fill.repeat(pad) + sign + body;
  }
}
