/** Kluctl's diff.Obfuscator: hides Secret values in changes and in the rendered/remote/applied copies. */

import type { KubeObject } from '../../kube/objects.js';
import { unifiedDiffOf, type Change } from './changes.js';
import { deepClone, isMap, toPlainJson } from '../../util/go-values.js';
import { JsonPathError, parseJsonPath } from '../../kluctl/uo/jsonpath.js';
import { isSecretRef, refOf, type ObjectRef } from './objectRef.js';

const MASK = '*****';
const MASK_BASE64 = Buffer.from(MASK).toString('base64');

/** Masks the values of changes under `data`/`stringData` of a Secret, in place. Other objects are left alone. */
export function obfuscateChanges(ref: ObjectRef, changes: Change[]): void {
  if (!isSecretRef(ref)) return;
  for (const c of changes) {
    const frags = parseJsonPath(c.jsonPath);
    if (frags.length === 0) throw new JsonPathError('unexpected empty jsonPath');
    const first = frags[0];
    if (first.kind !== 'child') throw new JsonPathError(`unexpected jsonPath fragment: ${c.jsonPath}`);
    if (first.key !== 'data' && first.key !== 'stringData') continue;
    // Distinct placeholders for both sides keep the diff lines, which then all read "***** (obfuscated)".
    const masked = (placeholderOld: string, placeholderNew: string) => {
      if (c.oldValue !== undefined) c.oldValue = replaceValues(c.oldValue, placeholderOld);
      if (c.newValue !== undefined) c.newValue = replaceValues(c.newValue, placeholderNew);
    };
    masked(`${MASK}b`, `${MASK}a`);
    c.unifiedDiff = unifiedDiffOf(c)
      .replaceAll(`${MASK}a`, `${MASK} (obfuscated)`)
      .replaceAll(`${MASK}b`, `${MASK} (obfuscated)`);
    masked(MASK, MASK);
  }
}

/** Every value of a map, every element of a list, or the value itself becomes `mask`. */
function replaceValues(v: unknown, mask: string): unknown {
  const x = toPlainJson(v);
  if (isMap(x)) return Object.fromEntries(Object.keys(x).map((k) => [k, mask]));
  if (Array.isArray(x)) return x.map(() => mask);
  return mask;
}

/**
 * A Secret's copy with every `data` value set to base64("*****") and every `stringData` value to "*****". Anything
 * else, and a Secret without values, is returned as is.
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
    if (!isMap(values)) throw new Error("'data' is not a map of strings");
    if (out === obj) out = deepClone(obj);
    out[field] = Object.fromEntries(Object.keys(values).map((k) => [k, mask]));
  }
  return out;
}
