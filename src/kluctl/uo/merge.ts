/** Plain JSON-like values as Kluctl's vars hold them. */
export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Kluctl's MergeMap: map+map recurses; anything else (lists, scalars, null) replaces. Returns a new object. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = clone(base);
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(out[k]) && isObject(v) ? deepMerge(out[k], v) : clone(v);
  }
  return out;
}

/** Sets `value` at the dotted path inside `obj`, creating (or replacing non-object) parents. */
export function setNested(obj: JsonObject, keys: string[], value: unknown): void {
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!isObject(cur[k])) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[keys[keys.length - 1]] = value;
}

export function getNested(obj: unknown, keys: string[]): { found: boolean; value?: unknown } {
  let cur = obj;
  for (const k of keys) {
    if (!isObject(cur) || !(k in cur)) return { found: false };
    cur = cur[k];
  }
  return { found: true, value: cur };
}
