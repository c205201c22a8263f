/**
 * Secret masking: the one home for hiding the values of Secrets, whatever produced the result.
 *
 * - `obfuscateChanges` and `obfuscateSecret` are Kluctl's `diff.Obfuscator` (pkg/diff/obfuscate.go): kluctl-ts
 *   output must equal kluctl's byte for byte.
 * - `maskResult` and `maskDocuments` serve the editor. Both sources of results reach them unmasked (the
 *   controller stores results in clear, and the bundled engine is run with `noObfuscate`), so values are masked
 *   exactly once, here, and a value that differs between the sides can still be shown as changed, which Kluctl's
 *   masking hides (it masks the stored copies before anyone could compare them).
 *
 * Only `kind: Secret` of the core group is masked, and in changes only paths that start at `data` or `stringData`.
 */

import type { Change, ObjectRef, ResultObject } from './resultTypes.js';
import { unifiedDiffOf } from './diff/unified-diff.js';
import { deepClone, isMap } from '../util/go-values.js';
import { parseJsonPath } from './uo/jsonpath-parse.js';
import { isSecretRef, refOf } from './objectRef.js';
import type { KubeObject } from '../kube/objects.js';
import { ObjectError } from '../util/errors.js';

/** What replaces a Secret value in `oldValue`/`newValue` and in object copies (Kluctl's). */
export const MASK = '*****';
/** What replaces a Secret value in a unified diff (Kluctl's). */
export const MASK_OBFUSCATED = `${MASK} (obfuscated)`;
/** The new side of a value that differs from the old one, in a unified diff (the editor only). */
export const MASK_OBFUSCATED_CHANGED = `${MASK} (obfuscated, changed)`;
/** The new side of a value that differs from the old one, in a document (the editor only). */
export const MASK_CHANGED = `${MASK} (changed)`;
/** `data` values are base64 in a Secret, so Kluctl's masked copies keep that shape. */
const MASK_BASE64 = Buffer.from(MASK).toString('base64');

// Placeholders that keep the two sides of a masked diff apart until the diff text is built (as Kluctl does).
const OLD = `${MASK}b`;
const NEW = `${MASK}a`;
const CHANGED = `${MASK}c`;

/**
 * Kluctl's Obfuscator on the changes of one object: values under `data`/`stringData` of a Secret become `*****`, the
 * unified diff reads `***** (obfuscated)` on both sides. Other objects and paths come back as they are. Throws on a
 * jsonPath Kluctl cannot parse (as Kluctl's command fails). The input is not modified.
 */
export function obfuscateChanges(ref: ObjectRef, changes: Change[]): Change[] {
  if (!isSecretRef(ref)) return changes;
  return changes.map((c) => (isSecretValuePath(c.jsonPath, true) ? maskChange(c, false) : c));
}

/**
 * Kluctl's masked copy of a Secret: every `data` value base64("*****"), every `stringData` value "*****". Anything
 * else, and a Secret without values, is returned as is (not copied).
 */
export function obfuscateSecret(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj || !isSecretRef(refOf(obj))) return obj;
  let out = obj;
  for (const [field, mask] of [
    ['data', MASK_BASE64],
    ['stringData', MASK],
  ] as const) {
    const values = out[field];
    if (values === undefined || values === null) continue;
    if (!isMap(values))
      throw new ObjectError(`Secret ${obj.metadata?.name ?? ''}`, `'${field}' is not a map of strings`);
    if (out === obj) out = deepClone(obj);
    out[field] = Object.fromEntries(Object.keys(values).map((k) => [k, mask]));
  }
  return out;
}

/**
 * A command or drift result as the editor shows it: Secret changes masked like Kluctl's, except that the new side
 * of a value that differs reads `***** (obfuscated, changed)`; the object copies masked like Kluctl's. With `reveal`
 * the result is returned as is. Never throws on odd input: a change whose path cannot be read is masked whole.
 * The input is not modified.
 */
export function maskResult<T extends { objects?: ResultObject[] }>(result: T, options: { reveal?: boolean } = {}): T {
  if (options.reveal || !result.objects?.some((o) => isSecretRef(o.ref))) return result;
  return {
    ...result,
    objects: result.objects.map((o) =>
      isSecretRef(o.ref)
        ? {
            ...o,
            changes: o.changes?.map((c) => (isSecretValuePath(c.jsonPath, false) ? maskChange(c, true) : c)),
            rendered: maskCopy(o.rendered),
            remote: maskCopy(o.remote),
            applied: maskCopy(o.applied),
          }
        : o,
    ),
  };
}

type Doc = Record<string, unknown>;

/**
 * The two sides of a Secret for a diff editor: every `data`/`stringData` value `*****`, except on the right side
 * where a value differs from the left one (compared decoded, so `data` and `stringData` of the same key compare):
 * `***** (changed)`. Keys stay visible. Objects other than Secrets, and `reveal`, return the sides untouched.
 * The inputs are not modified.
 */
export function maskDocuments(
  ref: ObjectRef,
  left: Doc | undefined,
  right: Doc | undefined,
  reveal = false,
): [Doc | undefined, Doc | undefined] {
  if (reveal || !isSecretRef(ref)) return [left, right];
  const before = plainValues(left);
  const after = plainValues(right);
  const mask = (doc: Doc | undefined, isRight: boolean): Doc | undefined => {
    if (!doc) return doc;
    const out = structuredClone(doc);
    for (const field of ['data', 'stringData'] as const) {
      const values = out[field];
      if (!isMap(values)) {
        // Not a map: nothing may leak either way.
        if (values !== undefined && values !== null) out[field] = MASK;
        continue;
      }
      for (const key of Object.keys(values)) {
        const changed = isRight && before.has(key) && before.get(key) !== after.get(key);
        values[key] = changed ? MASK_CHANGED : MASK;
      }
    }
    return out;
  };
  return [mask(left, false), mask(right, true)];
}

/** The values of a Secret document by key, `data` decoded from base64; `stringData` wins as the API server does. */
function plainValues(doc: Doc | undefined): Map<string, string> {
  const values = new Map<string, string>();
  const read = (field: 'data' | 'stringData', decode: boolean): void => {
    const map = doc?.[field];
    if (!isMap(map)) return;
    for (const [k, v] of Object.entries(map))
      values.set(k, decode && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : JSON.stringify(v));
  };
  read('data', true);
  read('stringData', false);
  return values;
}

/**
 * Whether a change touches Secret values: its jsonPath starts with the child `data` or `stringData`. Kluctl fails
 * on a path it cannot parse (`strict`); the editor treats such a path as one that must be masked.
 */
function isSecretValuePath(jsonPath: string, strict: boolean): boolean {
  let first;
  try {
    const frags = parseJsonPath(jsonPath);
    if (frags.length === 0) throw new Error('unexpected empty jsonPath');
    first = frags[0];
    if (first.kind !== 'child') throw new Error(`unexpected jsonPath fragment: ${jsonPath}`);
  } catch (error) {
    if (strict) throw error;
    return true;
  }
  return first.key === 'data' || first.key === 'stringData';
}

/**
 * Kluctl's way: distinct placeholders for the two sides so the diff keeps its lines, the diff text built from them,
 * then the placeholders replaced. `markChanged` keeps a map key whose value did not change as a context line and
 * marks the new side of one that did.
 */
function maskChange(change: Change, markChanged: boolean): Change {
  // Kluctl masks a null side too (engine conformance); the editor keeps null, which reveals nothing.
  const mask = (v: unknown, m: string): unknown => (markChanged && v === null ? null : replaceValues(v, m));
  const c: Change = { ...change };
  if (markChanged && isMap(change.oldValue) && isMap(change.newValue)) {
    const oldMap = change.oldValue;
    c.oldValue = mask(oldMap, OLD);
    c.newValue = Object.fromEntries(
      Object.entries(change.newValue).map(([k, v]) => [
        k,
        !(k in oldMap) ? NEW : JSON.stringify(oldMap[k]) === JSON.stringify(v) ? OLD : CHANGED,
      ]),
    );
  } else {
    const hadOld = change.oldValue !== undefined && change.oldValue !== null;
    if (c.oldValue !== undefined) c.oldValue = mask(c.oldValue, OLD);
    if (c.newValue !== undefined) c.newValue = mask(c.newValue, markChanged && hadOld ? CHANGED : NEW);
  }
  let text = '';
  try {
    text = unifiedDiffOf(c);
  } catch {
    // A value the diff cannot render: the text is dropped rather than risk a value.
  }
  c.unifiedDiff = text
    .replaceAll(CHANGED, MASK_OBFUSCATED_CHANGED)
    .replaceAll(NEW, MASK_OBFUSCATED)
    .replaceAll(OLD, MASK_OBFUSCATED);
  if (c.oldValue !== undefined) c.oldValue = mask(change.oldValue, MASK);
  if (c.newValue !== undefined) c.newValue = mask(change.newValue, MASK);
  return c;
}

/** Every value of a map, every element of a list, or the value itself (null included) becomes `mask`. */
function replaceValues(v: unknown, mask: string): unknown {
  if (isMap(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, mask]));
  if (Array.isArray(v)) return v.map(() => mask);
  return mask;
}

/** Like obfuscateSecret, but never throws: a non-map `data`/`stringData` is masked whole. */
function maskCopy(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj) return obj;
  const out: KubeObject = { ...obj };
  for (const [field, mask] of [
    ['data', MASK_BASE64],
    ['stringData', MASK],
  ] as const) {
    const values = obj[field];
    if (values === undefined || values === null) continue;
    out[field] = isMap(values) ? Object.fromEntries(Object.keys(values).map((k) => [k, mask])) : mask;
  }
  return out;
}
