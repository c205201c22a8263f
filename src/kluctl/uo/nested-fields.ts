/**
 * Kluctl's uo.UnstructuredObject nested-field helpers (Get/Set/RemoveNestedField, RemoveFieldsByPathRegex). Where Go
 * would panic on a null parent, these treat the path as absent or fail.
 */

import { isMap, type JsonMap } from '../../util/go-values.js';
import { toJsonPath, type KeyPath } from './key-path.js';
import { setOwn } from './merge.js';

type Found = { found: true; value: unknown } | { found: false };

export function getChild(parent: unknown, key: string | number): Found {
  if (isMap(parent) && typeof key === 'string')
    return Object.hasOwn(parent, key) ? { found: true, value: parent[key] } : { found: false };
  if (Array.isArray(parent) && typeof key === 'number' && key >= 0 && key < parent.length)
    return { found: true, value: parent[key] };
  return { found: false };
}

export function getNested(o: unknown, keys: KeyPath): Found {
  let cur = o;
  for (const k of keys) {
    const c = getChild(cur, k);
    if (!c.found) return c;
    cur = c.value;
  }
  return { found: true, value: cur };
}

export function setNested(o: JsonMap, value: unknown, keys: KeyPath): void {
  let cur: unknown = o;
  for (const k of keys.slice(0, -1)) {
    const c = getChild(cur, k);
    if (c.found && c.value !== null && c.value !== undefined) {
      cur = c.value;
      continue;
    }
    const created = {};
    if (!setChild(cur, k, created)) return;
    cur = created;
  }
  setChild(cur, keys[keys.length - 1], value);
}

function setChild(parent: unknown, key: string | number, value: unknown): boolean {
  if (isMap(parent) && typeof key === 'string') setOwn(parent, key, value);
  else if (Array.isArray(parent) && typeof key === 'number' && key >= 0 && key < parent.length) parent[key] = value;
  else return false;
  return true;
}

/** GetChild as used by RemoveNestedField: a wrong container or an index out of bounds is an error, not "absent". */
function strictChild(parent: unknown, key: string | number): Found {
  if (isMap(parent)) {
    if (typeof key !== 'string') throw new Error('key is not a string');
    return getChild(parent, key);
  }
  if (Array.isArray(parent)) {
    if (typeof key !== 'number') throw new Error('key is not an int');
    if (key < 0 || key >= parent.length) throw new Error('index out of bounds');
    return { found: true, value: parent[key] };
  }
  throw new Error('unknown parent type');
}

/** RemoveNestedField: removes a map entry or splices a list element out; throws where Kluctl returns an error. */
export function removeNested(o: unknown, keys: KeyPath): void {
  let parent = o;
  for (const k of keys.slice(0, -1)) {
    const c = strictChild(parent, k);
    if (!c.found) return;
    parent = c.value;
  }
  const last = keys[keys.length - 1];
  if (Array.isArray(parent)) {
    if (typeof last !== 'number') throw new Error('key is not an index');
    if (last >= 0 && last < parent.length) parent.splice(last, 1);
  } else if (isMap(parent)) {
    if (typeof last !== 'string') throw new Error('key is not a string');
    delete parent[last];
  }
}

/** RemoveNestedField with the error ignored, as Kluctl's normalisation does. */
export function tryRemoveNested(o: unknown, keys: KeyPath): void {
  try {
    removeNested(o, keys);
  } catch {
    // ignored
  }
}

/** Key paths of all leaves (non-container values, null included), lists in order. */
export function leafPaths(o: unknown, prefix: KeyPath = [], out: KeyPath[] = []): KeyPath[] {
  if (isMap(o)) for (const [k, v] of Object.entries(o)) leafPaths(v, [...prefix, k], out);
  else if (Array.isArray(o)) o.forEach((v, i) => leafPaths(v, [...prefix, i], out));
  else out.push(prefix);
  return out;
}

/**
 * RemoveFieldsByPathRegex: removes every leaf whose JSONPath matches (unanchored). Like Kluctl, matched list elements
 * are spliced out one after the other, so later indexes of the same list shift.
 */
export function removeFieldsByPathRegex(o: JsonMap, regex: RegExp): void {
  const matched = leafPaths(o).filter((p) => p.length > 0 && regex.test(toJsonPath(p)));
  for (const p of matched) removeNested(o, p);
}
