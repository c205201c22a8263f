import { isMap, type JsonMap } from '../../util/go-values.js';

/** Plain JSON-like values as Kluctl's vars hold them: the one plain-object type and check (util/go-values.ts). */
export type JsonObject = JsonMap;
export { isMap as isObject };

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Kluctl's MergeMap: map+map recurses; anything else (lists, scalars, null) replaces. Returns a new object. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = clone(base);
  for (const [k, v] of Object.entries(over)) {
    out[k] = isMap(out[k]) && isMap(v) ? deepMerge(out[k], v) : clone(v);
  }
  return out;
}

/**
 * Sets `value` at the dotted path inside `obj`, creating (or replacing non-object) parents: how vars and args are
 * placed, unlike kluctl's SetNestedField (nested-fields.ts setNested), which keeps a non-null parent it cannot enter.
 */
export function setNested(obj: JsonObject, keys: string[], value: unknown): void {
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!isMap(cur[k])) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[keys[keys.length - 1]] = value;
}
