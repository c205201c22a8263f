/**
 * The structural diff of github.com/r3labs/diff/v2 (with AllowTypeMismatch) over JSON-like values, as Kluctl runs it:
 * map keys are compared one by one, a missing key yields one change carrying the whole subtree, null to value (or
 * back) is an update, and list order is ignored (elements equal to an unused element of the other list match; the
 * rest are paired by index).
 */

import { isGoPointer, isMap, type JsonMap } from '../../util/go-values.js';
import type { KeyPath } from '../../kluctl/uo/key-path.js';

export interface RawChange {
  type: 'insert' | 'delete' | 'update';
  path: KeyPath;
  from?: unknown;
  to?: unknown;
}

/**
 * Kluctl fails the whole object's diff when something inside a map it wrapped in a Go pointer changed: r3labs reports
 * the path through the struct field `Object`, which Kluctl cannot resolve.
 */
export class PointerPathError extends Error {
  constructor() {
    super('path element Object is invalid: %!w(<nil>)');
  }
}

const ABSENT = Symbol('absent');
/** A value, or ABSENT (a symbol, which `unknown` already includes) where a side has no such key. */
type Slot = unknown;

type Kind = 'map' | 'pointer' | 'list' | 'string' | 'bool' | 'number';

function kindOf(v: unknown): Kind {
  if (Array.isArray(v)) return 'list';
  if (isMap(v)) return isGoPointer(v) ? 'pointer' : 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'number';
}

// Keys holding `undefined` count as absent, as JSON.stringify drops them.
const has = (m: JsonMap, k: string) => Object.hasOwn(m, k) && m[k] !== undefined;
const presentKeys = (m: JsonMap) => Object.keys(m).filter((k) => m[k] !== undefined);

export function structuralDiff(oldValue: unknown, newValue: unknown): RawChange[] {
  const changes: RawChange[] = [];
  diffSlot([], oldValue, newValue, changes);
  return changes;
}

/**
 * True when r3labs would find no change between the two values (its equality for list matching): like deep
 * equality, except that lists compare as multisets and a pointer-held map never equals a plain one.
 */
function sameValue(a: unknown, b: unknown): boolean {
  a ??= null;
  b ??= null;
  if (a === null || b === null) return a === b;
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  if (kind === 'map' || kind === 'pointer') {
    const am = a as JsonMap;
    const bm = b as JsonMap;
    const keys = presentKeys(am);
    return keys.length === presentKeys(bm).length && keys.every((k) => has(bm, k) && sameValue(am[k], bm[k]));
  }
  if (kind === 'list') {
    const al = a as unknown[];
    const bl = b as unknown[];
    if (al.length !== bl.length) return false;
    const used: boolean[] = [];
    return al.every((v) => findUnused(bl, used, v));
  }
  return a === b;
}

/** r3labs' sliceTracker: marks and reports the first element not matched before that equals `v`. */
function findUnused(list: unknown[], used: boolean[], v: unknown): boolean {
  const i = list.findIndex((x, j) => !used[j] && sameValue(x, v));
  if (i >= 0) used[i] = true;
  return i >= 0;
}

/** A value held in an interface slot (map entry, list element), possibly absent. */
function diffSlot(path: KeyPath, a: Slot, b: Slot, out: RawChange[]): void {
  a ??= null;
  b ??= null;
  if (a === ABSENT) out.push({ type: 'insert', path, to: b });
  else if (b === ABSENT) out.push({ type: 'delete', path, from: a });
  else if (a === null && b === null) return;
  else if (a === null || b === null) out.push({ type: 'update', path, from: a, to: b });
  else diffPresent(path, a, b, out);
}

function diffPresent(path: KeyPath, a: unknown, b: unknown, out: RawChange[]): void {
  const kind = kindOf(a);
  if (kind !== kindOf(b)) {
    out.push({ type: 'update', path, from: a, to: b });
    return;
  }
  switch (kind) {
    case 'map':
      diffMaps(path, a as JsonMap, b as JsonMap, out);
      break;
    case 'pointer': {
      const inner: RawChange[] = [];
      diffMaps(path, a as JsonMap, b as JsonMap, inner);
      if (inner.length) throw new PointerPathError();
      break;
    }
    case 'list':
      diffLists(path, a as unknown[], b as unknown[], out);
      break;
    default:
      if (a !== b) out.push({ type: 'update', path, from: a, to: b });
  }
}

function diffMaps(path: KeyPath, a: JsonMap, b: JsonMap, out: RawChange[]): void {
  const keys = new Set([...presentKeys(a), ...presentKeys(b)]);
  for (const k of keys) diffSlot([...path, k], has(a, k) ? a[k] : ABSENT, has(b, k) ? b[k] : ABSENT, out);
}

/** r3labs' diffSliceGeneric without SliceOrdering. */
function diffLists(path: KeyPath, a: unknown[], b: unknown[], out: RawChange[]): void {
  const unmatched = new Map<number, { a: Slot; b: Slot }>();
  const entry = (i: number) => {
    let e = unmatched.get(i);
    if (!e) unmatched.set(i, (e = { a: ABSENT, b: ABSENT }));
    return e;
  };
  const usedB: boolean[] = [];
  a.forEach((v, i) => {
    if (!findUnused(b, usedB, v)) entry(i).a = v;
  });
  const usedA: boolean[] = [];
  b.forEach((v, i) => {
    if (!findUnused(a, usedA, v)) entry(i).b = v;
  });
  for (const [i, e] of unmatched) diffSlot([...path, i], e.a, e.b, out);
}
