/**
 * A YAML emitter for JSON-like values that writes what sigs.k8s.io/yaml (go-yaml v2) writes: keys in go-yaml's
 * order, 2-space indent, sequences not indented under their key, go-yaml's choice of plain/single/double/literal
 * style for each string, plain and quoted scalars folded at spaces once a line passes 80 columns.
 */

import { goYamlKeyLess } from './go-yaml-keys.js';
import { analyzeScalar, type ScalarRules } from './scalar-analysis.js';
import { scalarText } from '../../util/scalar.js';
import { codePointLength } from '../../util/code-points.js';

const BEST_WIDTH = 80;

const RESOLVE_TABLE = new Set(
  [
    'y',
    'Y',
    'yes',
    'Yes',
    'YES',
    'true',
    'True',
    'TRUE',
    'on',
    'On',
    'ON',
    'n',
    'N',
    'no',
    'No',
    'NO',
    'false',
    'False',
    'FALSE',
    'off',
    'Off',
    'OFF',
  ].concat([
    '',
    '~',
    'null',
    'Null',
    'NULL',
    '.nan',
    '.NaN',
    '.NAN',
    '.inf',
    '.Inf',
    '.INF',
    '+.inf',
    '+.Inf',
    '+.INF',
    '-.inf',
    '-.Inf',
    '-.INF',
    '<<',
  ]),
);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?$/;

/** Whether go-yaml v2 would read the plain scalar as something other than a string (then it double-quotes it). */
function resolvesToNonString(s: string): boolean {
  if (RESOLVE_TABLE.has(s)) return true;
  if (!/^[-+.0-9]/.test(s)) return false;
  const plain = s.replace(/_/g, '');
  return (
    GO_INT.test(plain) ||
    YAML_FLOAT.test(plain) ||
    BASE60_FLOAT.test(s) ||
    TIMESTAMP.test(s) ||
    /^-?0b[01]+$/.test(plain)
  );
}

/** go-yaml's yaml_emitter_analyze_scalar rules, for block context with unicode output. */
const GO_YAML_SCALARS: ScalarRules = {
  breaks: '\r\n\x85\u2028\u2029',
  printable: (code) =>
    code === 0x0a ||
    code === 0x85 ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff) ||
    code >= 0x10000,
};

type Style = 'plain' | 'single' | 'double' | 'literal';

function chooseStyle(s: string, simpleKey: boolean): Style {
  let style: Style = s.includes('\n') ? 'literal' : resolvesToNonString(s) ? 'double' : 'plain';
  const a = analyzeScalar(s, GO_YAML_SCALARS);
  if (style === 'plain' && (!a.allowBlockPlain || (s.length === 0 && simpleKey) || (simpleKey && a.multiline)))
    style = 'single';
  if (style === 'single' && (!a.allowSingleQuoted || (simpleKey && a.multiline))) style = 'double';
  if (style === 'literal' && (!a.allowBlock || simpleKey)) style = 'double';
  return style;
}

/** Strings every style rule writes plain and unchanged (no spaces to fold, no indicator, no number look). */
const SIMPLE_PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;

/** Writes a scalar starting at `column`; continuation lines use `indent`. Returns the text (may contain newlines). */
function scalar(s: string, column: number, indent: number, simpleKey: boolean): string {
  if (SIMPLE_PLAIN.test(s) && !RESOLVE_TABLE.has(s)) return s;
  const style = chooseStyle(s, simpleKey);
  if (style === 'literal') return literal(s, indent);
  const chars = Array.from(s);
  const pad = ' '.repeat(indent);
  let out = style === 'single' ? "'" : style === 'double' ? '"' : '';
  let col = column + out.length;
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === ' ') {
      const edge = style !== 'plain' && (i === 0 || i === chars.length - 1);
      if (!simpleKey && !spaces && col > BEST_WIDTH && !edge && (style === 'double' || chars[i + 1] !== ' ')) {
        out += `\n${pad}`;
        col = indent;
        if (style === 'double' && chars[i + 1] === ' ') {
          out += '\\';
          col++;
        }
      } else {
        out += ' ';
        col++;
      }
      spaces = true;
      continue;
    }
    spaces = false;
    const piece = style === 'single' && c === "'" ? "''" : style === 'double' ? escapeDouble(c) : c;
    out += piece;
    col += codePointLength(piece);
  }
  return out + (style === 'single' ? "'" : style === 'double' ? '"' : '');
}

const DOUBLE_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '\u0085': '\\N',
  '\u00a0': '\\_',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

function escapeDouble(c: string): string {
  const escaped = DOUBLE_ESCAPES[c];
  if (escaped) return escaped;
  const code = c.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0xfeff)
    return code <= 0xff
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return c;
}

function literal(s: string, indent: number): string {
  const chomp = !s.endsWith('\n') ? '-' : s.endsWith('\n\n') || s === '\n' ? '+' : '';
  const hint = s.startsWith(' ') || s.startsWith('\n') ? '2' : '';
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  const pad = ' '.repeat(indent);
  return `|${hint}${chomp}\n${body
    .split('\n')
    .map((l) => (l ? pad + l : ''))
    .join('\n')}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '+.inf' : '-.inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // Go's strconv.FormatFloat(f, 'g', -1, 64): exponent form below 1e-4 and from 1e21, with a two-digit exponent.
  const e = n.toExponential();
  const exp = Number(e.split('e')[1]);
  if (exp < -4 || exp >= 21) {
    const [m, x] = e.split('e');
    const sign = x.startsWith('-') ? '-' : '+';
    return `${m}e${sign}${x.replace(/^[-+]/, '').padStart(2, '0')}`;
  }
  return String(n);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A scalar or empty collection after `prefix` on the current line. */
function inline(v: unknown, column: number, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return '[]';
  if (isMap(v)) return '{}';
  return scalar(scalarText(v), column, indent, false);
}

export const compareKeys = (a: string, b: string): number => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0);

/**
 * `keys` in go-yaml's order, sorted in place: Array.prototype.sort with compareKeys, except that keys already in
 * that order (no key less than the one before it, which is also the one run V8's sort would find and keep as it
 * is) are not sorted again, which saves the sort's copy of the array.
 */
export function sortKeys(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) if (goYamlKeyLess(keys[i], keys[i - 1])) return keys.sort(compareKeys);
  return keys;
}

function emit(v: unknown, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  if (isMap(v) && Object.keys(v).length) {
    for (const k of sortKeys(Object.keys(v))) {
      const key = `${pad}${scalar(k, indent, indent, true)}:`;
      const child = v[k];
      if (isMap(child) && Object.keys(child).length) {
        lines.push(key);
        emit(child, indent + 2, lines);
      } else if (Array.isArray(child) && child.length) {
        lines.push(key);
        emit(child, indent, lines);
      } else {
        lines.push(`${key} ${inline(child, codePointLength(key) + 1, indent + 2)}`);
      }
    }
  } else if (Array.isArray(v) && v.length) {
    for (const item of v) {
      if ((isMap(item) && Object.keys(item).length) || (Array.isArray(item) && item.length)) {
        // The item's first line carries the dash, in place of its indentation.
        const first = lines.length;
        emit(item, indent + 2, lines);
        lines[first] = `${pad}- ${lines[first].slice(indent + 2)}`;
      } else {
        lines.push(`${pad}- ${inline(item, indent + 2, indent + 2)}`);
      }
    }
  } else {
    lines.push(pad + inline(v, indent, indent));
  }
}

/** One document, ending with a newline. */
export function toGoYaml(value: unknown): string {
  const lines: string[] = [];
  emit(value, 0, lines);
  return `${lines.join('\n')}\n`;
}
