/** `pprint.pformat(value)` (width 80, sorted dict keys), for Jinja2's `pprint` filter. */

import { order } from './ops.js';
import { floatRepr, pyRepr, strRepr } from './repr.js';
import { strLen } from './text.js';
import { PyTuple, type PyValue } from './values.js';

const WIDTH = 80;

function sortedEntries(d: Map<PyValue, PyValue>): [PyValue, PyValue][] {
  return [...d].sort((a, b) => {
    try {
      return order(a[0], b[0]);
    } catch {
      return 0;
    }
  });
}

/** repr() with dict keys sorted, as pprint prints nested values. */
function safeRepr(v: PyValue): string {
  if (Array.isArray(v)) return `[${v.map(safeRepr).join(', ')}]`;
  if (v instanceof PyTuple)
    return v.items.length === 1 ? `(${safeRepr(v.items[0])},)` : `(${v.items.map(safeRepr).join(', ')})`;
  if (v instanceof Map)
    return `{${sortedEntries(v)
      .map(([k, x]) => `${safeRepr(k)}: ${safeRepr(x)}`)
      .join(', ')}}`;
  if (typeof v === 'number') return floatRepr(v);
  return pyRepr(v);
}

export function pformat(v: PyValue): string {
  const out: string[] = [];
  format(v, out, 0, 0, 0);
  return out.join('');
}

function format(v: PyValue, out: string[], indent: number, allowance: number, level: number): void {
  const rep = safeRepr(v);
  if (strLen(rep) <= WIDTH - indent - allowance) {
    out.push(rep);
    return;
  }
  if (v instanceof Map && v.size > 0) {
    out.push('{');
    const entries = sortedEntries(v);
    const inner = indent + 1;
    entries.forEach(([k, x], i) => {
      const last = i === entries.length - 1;
      const key = safeRepr(k);
      out.push(key, ': ');
      format(x, out, inner + strLen(key) + 2, last ? allowance + 1 : 1, level + 1);
      if (!last) out.push(`,\n${' '.repeat(inner)}`);
    });
    out.push('}');
  } else if ((Array.isArray(v) || v instanceof PyTuple) && (Array.isArray(v) ? v : v.items).length > 0) {
    const items = Array.isArray(v) ? v : v.items;
    const end = Array.isArray(v) ? ']' : items.length === 1 ? ',)' : ')';
    out.push(Array.isArray(v) ? '[' : '(');
    items.forEach((x, i) => {
      const last = i === items.length - 1;
      if (i > 0) out.push(`,\n${' '.repeat(indent + 1)}`);
      format(x, out, indent + 1, last ? allowance + end.length : 1, level + 1);
    });
    out.push(end);
  } else if (typeof v === 'string' && v.length > 0) {
    formatStr(v, out, indent, allowance, level + 1);
  } else out.push(rep);
}

/** Long strings are split at whitespace into adjacent literals, parenthesised at the top level. */
function formatStr(s: string, out: string[], indent: number, allowance: number, level: number): void {
  if (level === 1) {
    indent++;
    allowance++;
  }
  const lines = s
    // eslint-disable-next-line no-control-regex -- Python's str.splitlines() breaks at these control characters
    .match(/[^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|$)/g)!
    .filter((l) => l !== '');
  const maxWidth = WIDTH - indent;
  const chunks: string[] = [];
  let rep = '';
  lines.forEach((line, i) => {
    rep = strRepr(line);
    const lastLine = i === lines.length - 1;
    if (strLen(rep) <= maxWidth - (lastLine ? allowance : 0)) {
      chunks.push(rep);
      return;
    }
    const parts = line.match(/\S*\s*/gu)!.filter((p) => p !== '');
    let current = '';
    parts.forEach((part, j) => {
      const candidate = current + part;
      const limit = maxWidth - (j === parts.length - 1 && lastLine ? allowance : 0);
      if (strLen(strRepr(candidate)) > limit) {
        if (current) chunks.push(strRepr(current));
        current = part;
      } else current = candidate;
    });
    if (current) chunks.push(strRepr(current));
  });
  if (chunks.length === 1) {
    out.push(rep);
    return;
  }
  if (level === 1) out.push('(');
  chunks.forEach((c, i) => out.push(i > 0 ? `\n${' '.repeat(indent)}${c}` : c));
  if (level === 1) out.push(')');
}
