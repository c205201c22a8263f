/**
 * The JSONPath subset Kluctl's vars sources use (ojg syntax): `$`, `a.b`, `.a`, `..a` (descent), `.*`, `[*]`,
 * `[0]`, `[-1]`, `['a-b']`, `["a"]`. Filters and slices are rejected with an error naming the path.
 */

import { isObject, type JsonObject } from '../../kluctl/uo/merge.js';

type Step =
  { kind: 'child'; name: string } | { kind: 'nth'; index: number } | { kind: 'wildcard' } | { kind: 'descent' };

const TOKEN =
  /(?<descent>\.\.)|\.(?<dotName>[^.[\]]+)|\[\s*(?:(?<nth>-?\d+)|'(?<sq>[^']*)'|"(?<dq>[^"]*)"|(?<star>\*))\s*\]|(?<bare>[^.[\]$]+)/y;

export function parseJsonPath(text: string): Step[] {
  const steps: Step[] = [];
  let pos = text.startsWith('$') ? 1 : 0;
  while (pos < text.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m || (m.groups!.bare !== undefined && pos !== 0))
      throw new Error(`unsupported or invalid JSONPath ${text} at position ${pos}`);
    pos = TOKEN.lastIndex;
    const g = m.groups!;
    if (g.descent) {
      steps.push({ kind: 'descent' });
      // `..name` and `..*`: the name follows without a dot
      const rest = /(?<name>[^.[\]]+)/y;
      rest.lastIndex = pos;
      const n = rest.exec(text);
      if (n) {
        pos = rest.lastIndex;
        steps.push(n.groups!.name === '*' ? { kind: 'wildcard' } : { kind: 'child', name: n.groups!.name });
      }
      continue;
    }
    const name = g.dotName ?? g.bare ?? g.sq ?? g.dq;
    if (g.star || name === '*') steps.push({ kind: 'wildcard' });
    else if (g.nth !== undefined) steps.push({ kind: 'nth', index: Number(g.nth) });
    else steps.push({ kind: 'child', name: name });
  }
  return steps;
}

function descendants(v: unknown): unknown[] {
  const out: unknown[] = [v];
  const kids = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
  for (const k of kids) out.push(...descendants(k));
  return out;
}

function apply(v: unknown, step: Step): unknown[] {
  switch (step.kind) {
    case 'child':
      return isObject(v) && Object.hasOwn(v, step.name) ? [v[step.name]] : [];
    case 'nth': {
      if (!Array.isArray(v)) return [];
      const i = step.index < 0 ? v.length + step.index : step.index;
      return i >= 0 && i < v.length ? [v[i]] : [];
    }
    case 'wildcard':
      return Array.isArray(v)
        ? v
        : isObject(v)
          ? Object.keys(v)
              .sort()
              .map((k) => v[k])
          : [];
    case 'descent':
      return descendants(v);
  }
}

/** Every value the path matches, in document order. */
export function getJsonPath(root: unknown, text: string): unknown[] {
  return parseJsonPath(text).reduce<unknown[]>((matches, step) => matches.flatMap((m) => apply(m, step)), [root]);
}

/** A fresh object holding `value` at `text` (ojg SetOne on an empty object); only plain keys are allowed. */
export function objectAtPath(text: string, value: unknown): JsonObject {
  const steps = parseJsonPath(text);
  if (steps.length === 0) throw new Error(`invalid targetPath ${text}`);
  const out: JsonObject = {};
  let cur = out;
  for (const [i, step] of steps.entries()) {
    if (step.kind !== 'child') throw new Error(`unsupported element in targetPath ${text}: only keys can be set`);
    if (i === steps.length - 1) cur[step.name] = value;
    else cur = cur[step.name] = {};
  }
  return out;
}
