/** Python's `json.dumps` (default options: ensure_ascii, `", "`/`": "` separators, NaN allowed). */

import { typeError } from './errors.js';
import { order } from './ops.js';
import { floatRepr, typeName } from './repr.js';
import { Markup, PyTuple, type PyValue } from './values.js';

export interface DumpOptions {
  sortKeys?: boolean;
  /** Spaces (or the string) per level; switches the item separator to `,`. */
  indent?: number | string;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

export function jsonString(s: string): string {
  // eslint-disable-next-line no-control-regex -- JSON escapes exactly these control characters
  return `"${s.replace(/[\\"\u0000-\u001f\u007f-\uffff]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return floatRepr(x);
}

function jsonKey(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (k instanceof Markup) return k.text;
  if (typeof k === 'bigint') return k.toString();
  if (typeof k === 'number') return jsonFloat(k);
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (k === null) return 'null';
  throw typeError(`keys must be str, int, float, bool or None, not ${typeName(k)}`);
}

export function jsonDumps(v: PyValue, opts: DumpOptions = {}): string {
  const indentUnit =
    opts.indent === undefined ? undefined : typeof opts.indent === 'number' ? ' '.repeat(opts.indent) : opts.indent;
  const itemSep = indentUnit === undefined ? ', ' : ',';
  const encode = (x: PyValue, depth: number): string => {
    if (x === null) return 'null';
    if (x === true) return 'true';
    if (x === false) return 'false';
    if (typeof x === 'bigint') return x.toString();
    if (typeof x === 'number') return jsonFloat(x);
    if (typeof x === 'string') return jsonString(x);
    if (x instanceof Markup) return jsonString(x.text);
    const open = (items: string[], l: string, r: string) => {
      if (items.length === 0) return l + r;
      if (indentUnit === undefined) return l + items.join(itemSep) + r;
      const pad = `\n${indentUnit.repeat(depth + 1)}`;
      return `${l}${pad}${items.join(itemSep + pad)}\n${indentUnit.repeat(depth)}${r}`;
    };
    if (Array.isArray(x) || x instanceof PyTuple)
      return open(
        (Array.isArray(x) ? x : [...x.items]).map((i) => encode(i, depth + 1)),
        '[',
        ']',
      );
    if (x instanceof Map) {
      let entries = [...x];
      if (opts.sortKeys) entries = entries.sort((a, b) => order(a[0], b[0]));
      return open(
        entries.map(([k, val]) => `${jsonString(jsonKey(k))}: ${encode(val, depth + 1)}`),
        '{',
        '}',
      );
    }
    throw typeError(`Object of type ${typeName(x)} is not JSON serializable`);
  };
  return encode(v, 0);
}
