/**
 * RFC 7386 JSON merge patches, created the way kluctl's CLI creates `overridesPatch` (evanphx/json-patch
 * `CreateMergePatch` over the JSON of the original and the modified object).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values (object key order does not matter, array order does). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
    return keys.every((k) => b[k] !== undefined && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The merge patch that turns `original` into `modified`: removed keys become `null`, changed objects recurse,
 * anything else (arrays included) is replaced whole; unchanged sub-objects leave no trace. Keys come out sorted,
 * as Go marshals the patch. `undefined` counts as absent.
 */
export function createMergePatch(
  original: Record<string, unknown>,
  modified: Record<string, unknown>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const keys = [...new Set([...Object.keys(original), ...Object.keys(modified)])].sort();
  for (const key of keys) {
    const before = original[key];
    const after = modified[key];
    if (after === undefined) {
      if (before !== undefined) patch[key] = null;
    } else if (isPlainObject(before) && isPlainObject(after)) {
      const sub = createMergePatch(before, after);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (before === undefined || !jsonEqual(before, after)) {
      patch[key] = sortKeys(after);
    }
  }
  return patch;
}

/** A copy with every object's keys sorted (Go marshals maps that way). */
export function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = sortKeys(value[key]);
    return out;
  }
  return value as Json;
}
