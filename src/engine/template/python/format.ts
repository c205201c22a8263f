/** Python's `str.format()` and `format(value, spec)` (the format-spec mini-language). */

import { PyError, valueError } from './errors.js';
import { formatExponent, formatFixed, formatGeneral } from './floatfmt.js';
import { pyRepr, pyStr, typeName } from './repr.js';
import { strLen } from './text.js';
import { intOf, isInt, isStr, type Kwargs, type PyValue } from './values.js';

/**
 * How `str.format` resolves `{0.name}` and `{0[key]}`: Jinja2's attribute and item access, passed in by the caller
 * (`access.ts` through the method table) because that access finds this method again.
 */
export interface FieldAccess {
  attr(obj: PyValue, name: string): PyValue;
  item(obj: PyValue, key: PyValue): PyValue;
}

/** `fmt.format(*args, **kwargs)`. */
export function strFormat(fmt: string, args: PyValue[], kwargs: Kwargs, fields: FieldAccess): string {
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
        ? fields.attr(value, part.slice(1))
        : fields.item(value, /^\d+$/.test(part.slice(1, -1)) ? BigInt(part.slice(1, -1)) : part.slice(1, -1));
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
