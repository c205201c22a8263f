/**
 * The JSONPath subset `get_var` accepts (jsonpath-ng syntax as Kluctl uses it): `a.b`, `$.a`, `a[0]`, `a[-1]`,
 * `a['x-y']`, `a.*`, `a[*]`, and `*` globs inside field names (`a.b*`).
 */

import { PyError } from '../python/errors.js';
import { pyStr } from '../python/repr.js';
import { PyTuple, isStr, strText, type PyValue } from '../python/values.js';

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' };

const TOKEN =
  /\s*(?:(?<root>\$)|(?<all>\.\*|\[\s*\*\s*\])|\[\s*(?<index>-?\d+)\s*\]|\[\s*(?:'(?<sq>[^']*)'|"(?<dq>[^"]*)")\s*\]|\.?\s*(?:(?<name>[A-Za-z_@*][\w@*-]*)|'(?<sq2>[^']*)'|"(?<dq2>[^"]*)"))/y;

function parse(path: string): Step[] {
  const steps: Step[] = [];
  for (let pos = 0; pos < path.length;) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(path);
    if (!m || m[0].trim() === '') throw new PyError('Exception', `Invalid json path '${path}'`);
    pos = TOKEN.lastIndex;
    const g = m.groups!;
    if (g.root) continue;
    if (g.all || g.name === '*') steps.push({ kind: 'all' });
    else if (g.index !== undefined) steps.push({ kind: 'index', index: Number(g.index) });
    else steps.push({ kind: 'field', name: g.name ?? g.sq ?? g.dq ?? g.sq2 ?? g.dq2 });
  }
  return steps;
}

function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
}

function children(v: PyValue, step: Step): PyValue[] {
  if (step.kind === 'index') {
    const items = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : undefined;
    if (!items) return [];
    const i = step.index < 0 ? items.length + step.index : step.index;
    return i >= 0 && i < items.length ? [items[i]] : [];
  }
  if (step.kind === 'all') return v instanceof Map ? [...v.values()] : Array.isArray(v) ? v : [];
  if (!(v instanceof Map)) return [];
  if (!step.name.includes('*')) return v.has(step.name) ? [v.get(step.name)!] : [];
  const re = glob(step.name);
  return [...v].filter(([k]) => isStr(k) && re.test(strText(k))).map(([, x]) => x);
}

/** All values the path matches in `root`. */
export function findPath(root: PyValue, path: PyValue): PyValue[] {
  const steps = isStr(path) ? parse(strText(path)) : pathFromList(path);
  return steps.reduce<PyValue[]>((matches, step) => matches.flatMap((m) => children(m, step)), [root]);
}

/** A path given as a list of keys and indexes. */
function pathFromList(path: PyValue): Step[] {
  const parts = Array.isArray(path) ? path : path instanceof PyTuple ? path.items : [path];
  return parts.map((p) =>
    typeof p === 'bigint'
      ? { kind: 'index', index: Number(p) }
      : { kind: 'field', name: isStr(p) ? strText(p) : pyStr(p) },
  );
}
