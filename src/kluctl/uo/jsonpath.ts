/**
 * The JSONPath of github.com/ohler55/ojg/jp as far as Kluctl's fieldPath options and annotations reach: `$`, dotted
 * and bracketed children, indexes (negative from the end), `*`/`[*]`, `..`, unions, slices and filters
 * (`[?(@.name == 'x')]`, see jsonpath-filter.ts); scripts (`[(...)]`) are rejected. `listMatchingFields` and
 * `deletePaths` follow ojg's Locate and Del, including Del's quirks: deleting a list element sets it to null, a
 * slice's end is inclusive, a scalar met mid-path aborts.
 */

import { isMap, type JsonMap } from '../../util/go-values.js';
import { isToken, JsonPathError, MAX_END, parseJsonPath, type Frag } from './jsonpath-parse.js';
import type { KeyPath } from './key-path.js';

const isContainer = (v: unknown): v is JsonMap | unknown[] => Array.isArray(v) || isMap(v);

type Located = (string | number | Frag)[];

/** ojg's Expr.Locate: the normalized paths of all matching nodes (a leading `$` stays in the path). */
function locateFrags(frags: Frag[], data: unknown): Located[] {
  const out: Located[] = [];
  const walk = (fi: number, node: unknown, pp: Located) => {
    const f = frags[fi];
    const last = fi === frags.length - 1;
    // The node `step` leads to exists: record it, or continue below it if it is a container.
    const found = (step: string | number, v: unknown) => {
      if (last) out.push([...pp, step]);
      else if (isContainer(v)) walk(fi + 1, v, [...pp, step]);
    };
    switch (f.kind) {
      case 'root':
      case 'at':
        if (!last) walk(fi + 1, node, [...pp, f]);
        break;
      case 'child':
        if (isMap(node) && Object.hasOwn(node, f.key)) found(f.key, node[f.key]);
        break;
      case 'nth':
        if (Array.isArray(node)) {
          const i = f.index < 0 ? node.length + f.index : f.index;
          if (i >= 0 && i < node.length) found(i, node[i]);
        }
        break;
      case 'wildcard':
        if (isMap(node)) for (const [k, v] of Object.entries(node)) found(k, v);
        else if (Array.isArray(node)) node.forEach((v, i) => found(i, v));
        break;
      case 'union':
        for (const m of f.members) {
          if (typeof m === 'string' && isMap(node) && Object.hasOwn(node, m)) found(m, node[m]);
          if (typeof m === 'number' && Array.isArray(node)) {
            const i = m < 0 ? node.length + m : m;
            if (i >= 0 && i < node.length) found(i, node[i]);
          }
        }
        break;
      case 'slice':
        if (Array.isArray(node)) {
          const [start, end, step] = sliceBounds(f.parts, node.length);
          if (step > 0) for (let i = start; i < end; i += step) found(i, node[i]);
          else if (step < 0) for (let i = start; end < i; i += step) found(i, node[i]);
        }
        break;
      case 'filter':
        if (isMap(node))
          for (const [k, v] of Object.entries(node)) if (f.filter.matches(v, null, filterPathValues)) found(k, v);
        if (Array.isArray(node)) node.forEach((v, i) => f.filter.matches(v, null, filterPathValues) && found(i, v));
        break;
      case 'descent':
        if (last) out.push([...pp]);
        else if (isContainer(node)) walk(fi + 1, node, pp);
        if (isMap(node)) for (const [k, v] of Object.entries(node)) walk(fi, v, [...pp, k]);
        else if (Array.isArray(node)) node.forEach((v, i) => walk(fi, v, [...pp, i]));
        break;
    }
  };
  if (frags.length) walk(0, data, []);
  return out;
}

const operandPaths = new Map<string, Frag[]>();

/** The values of a filter's `@…` or `$…` operand. */
function filterPathValues(path: string, current: unknown, root: unknown): unknown[] {
  let frags = operandPaths.get(path);
  if (!frags) operandPaths.set(path, (frags = parseJsonPath(path)));
  const data = frags[0]?.kind === 'root' ? root : current;
  if (frags.length === 1) return [data];
  return locateFrags(frags, data).map((loc) => {
    let v = data;
    for (const step of loc) if (typeof step !== 'object') v = (v as Record<string | number, unknown>)[step];
    return v;
  });
}

/** ojg's Slice.startEndStep (used by Locate). */
function sliceBounds(parts: number[], size: number): [number, number, number] {
  let start = parts[0] ?? 0;
  let end = parts[1] ?? MAX_END;
  const step = parts[2] ?? 1;
  if (step === 0) return [start, end, 0];
  if (start < 0) start = size + start;
  else if (size <= start) start = size - 1;
  if (start < 0) start = 0;
  if (end < 0) {
    end = size + end + 1;
    if (end < 0 && step < 0) end = -1;
  } else if (size < end) {
    end = size;
  }
  return [start, end, step];
}

/** Kluctl's MyJsonPath.ListMatchingFields: key paths of all matches; fails on paths that start with `$`. */
export function listMatchingFields(path: string | Frag[], data: unknown): KeyPath[] {
  const frags = typeof path === 'string' ? parseJsonPath(path) : path;
  return locateFrags(frags, data).map((loc) =>
    loc.map((step) => {
      if (typeof step === 'object')
        throw new JsonPathError(
          `unsupported element in jsonpath: type=${FRAG_NAMES[step.kind]}, path=${exprString(loc.map((x) => (typeof x === 'object' ? x : typeof x === 'number' ? { kind: 'nth', index: x } : { kind: 'child', key: x })))}`,
        );
      return step;
    }),
  );
}

const FRAG_NAMES: Record<Frag['kind'], string> = {
  root: 'Root',
  at: 'At',
  child: 'Child',
  nth: 'Nth',
  wildcard: 'Wildcard',
  descent: 'Descent',
  union: 'Union',
  slice: 'Slice',
  filter: 'Filter',
};

/** Roughly ojg's Expr.String(), for error messages. */
function exprString(frags: Frag[]): string {
  return frags
    .map((f, i) => {
      switch (f.kind) {
        case 'root':
          return '$';
        case 'at':
          return '@';
        case 'child':
          return [...f.key].every(isToken) ? (i === 0 ? f.key : `.${f.key}`) : `['${f.key}']`;
        case 'nth':
          return `[${f.index}]`;
        case 'wildcard':
          return i === 0 ? '*' : '.*';
        case 'descent':
          return '..';
        case 'union':
          return `[${f.members.map((m) => (typeof m === 'string' ? `'${m}'` : m)).join(',')}]`;
        case 'slice':
          return `[${f.parts.filter((p) => p !== MAX_END).join(':')}]`;
        case 'filter':
          return `[?${f.filter.source}]`;
      }
    })
    .join('');
}

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v;
}

/**
 * ojg's Expr.Del: removes matching map entries, sets matching list elements to null. Throws (after any deletions
 * already done, as ojg does) when a scalar is met mid-path or an index is out of bounds; Kluctl ignores those errors
 * in normalisation but not in conflict resolution.
 */
export function deletePaths(path: string | Frag[], data: unknown): void {
  const frags = typeof path === 'string' ? parseJsonPath(path) : path;
  if (frags.length === 0) throw new JsonPathError('can not delete with an empty expression');
  const lastKind = frags[frags.length - 1].kind;
  if (
    lastKind === 'root' ||
    lastKind === 'at' ||
    lastKind === 'descent' ||
    lastKind === 'slice' ||
    lastKind === 'filter'
  ) {
    throw new JsonPathError(`can not delete with an expression ending with a ${FRAG_NAMES[lastKind]}`);
  }
  const cannotFollow = (v: unknown, fi: number): never => {
    throw new JsonPathError(`can not follow a ${goTypeName(v)} at '${exprString(frags.slice(0, fi + 1))}'`);
  };
  // Children are visited in the order ojg's stack pops them: list elements first to last, union members last to first.
  const visit = (fi: number, node: unknown): void => {
    const f = frags[fi];
    const last = fi === frags.length - 1;
    const follow = (v: unknown, strict: boolean) => {
      if (isContainer(v)) visit(fi + 1, v);
      else if (strict) cannotFollow(v, fi);
    };
    switch (f.kind) {
      case 'root':
      case 'at':
        visit(fi + 1, node);
        break;
      case 'child':
        if (!isMap(node)) break;
        if (last) delete node[f.key];
        else if (Object.hasOwn(node, f.key)) follow(node[f.key], true);
        break;
      case 'nth': {
        if (!Array.isArray(node)) break;
        const i = f.index < 0 ? node.length + f.index : f.index;
        if (i < 0 || i >= node.length)
          throw new JsonPathError(
            `can not follow out of bounds array index at '${exprString(frags.slice(0, fi + 1))}'`,
          );
        if (last) node[i] = null;
        else follow(node[i], true);
        break;
      }
      case 'wildcard':
        if (isMap(node)) {
          if (last) for (const k of Object.keys(node)) delete node[k];
          else for (const v of Object.values(node)) follow(v, false);
        } else if (Array.isArray(node)) {
          if (last) node.fill(null);
          else for (const v of [...(node as unknown[])]) follow(v, false);
        }
        break;
      case 'union':
        for (const m of last ? f.members : [...f.members].reverse()) {
          if (typeof m === 'string' && isMap(node)) {
            if (last) delete node[m];
            else if (Object.hasOwn(node, m)) follow(node[m], false);
          } else if (typeof m === 'number' && Array.isArray(node)) {
            const i = m < 0 ? node.length + m : m;
            if (i < 0 || i >= node.length) continue;
            if (last) node[i] = null;
            else follow(node[i], false);
          }
        }
        break;
      case 'slice': {
        if (!Array.isArray(node)) break;
        let start = f.parts[0] ?? 0;
        let end = f.parts[1] ?? -1;
        const step = f.parts[2] ?? 1;
        if (start < 0) start += node.length;
        if (end < 0) end += node.length;
        if (start < 0 || end < 0 || node.length <= start || step === 0) break;
        if (node.length <= end) end = node.length - 1;
        end = start + Math.trunc((end - start) / step) * step;
        const indexes: number[] = [];
        if (step > 0) for (let i = end; start <= i; i -= step) indexes.push(i);
        else for (let i = end; i <= start; i -= step) indexes.push(i);
        for (const i of indexes.reverse()) follow(node[i], false);
        break;
      }
      case 'filter':
        // Matches, scalars included, continue with the rest of the path (which ignores scalars).
        if (isMap(node))
          for (const v of Object.values(node)) if (f.filter.matches(v, data, filterPathValues)) visit(fi + 1, v);
        if (Array.isArray(node))
          for (const v of [...(node as unknown[])]) if (f.filter.matches(v, data, filterPathValues)) visit(fi + 1, v);
        break;
      case 'descent':
        // Post-order: every container below is expanded before the rest of the path is applied to this node.
        if (isMap(node)) for (const v of Object.values(node)) if (isContainer(v)) visit(fi, v);
        if (Array.isArray(node)) for (const v of [...(node as unknown[])]) if (isContainer(v)) visit(fi, v);
        if (isContainer(node)) visit(fi + 1, node);
        break;
    }
  };
  visit(0, data);
}
