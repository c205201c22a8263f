/**
 * A dry-run server-side apply whose answer is known without sending it. When the live object already holds every
 * field of the object to apply with the same value, and the field manager's own Apply entry in `managedFields` owns
 * exactly those fields (no more: nothing would be released; no less: nothing would be taken), the apply changes
 * nothing and the API server answers with the live object as it is. A diff then skips that round trip: in a project
 * of 500 objects with 50 changed, 450 of the 500 applies.
 *
 * The proof is conservative: anything it does not understand (a list it cannot pair element by element, a null, a
 * second entry of the manager, a different apiVersion, a write-only field such as a Secret's stringData) sends the
 * apply. What it cannot see is the
 * API server's own processing of an unchanged object: a mutating webhook that changes an object on every update, or
 * a default added to a schema since the object was written, shows in kluctl's dry-run but not here (see the README).
 * `test/integration/no-op-apply.test.ts` checks the proof against the answers of the real API server.
 */

import type { KubeObject, ManagedFieldsEntry } from '../../kube/objects.js';
import { isMap, type JsonMap } from '../../util/go-values.js';

/** Fields the API server never records in managedFields (structured-merge-diff's strip set). */
const STRIPPED_TOP = new Set(['apiVersion', 'kind']);
const STRIPPED_METADATA = new Set([
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
]);

/** Depth of the objects compared; deeper ones are applied (no real object is nested this far). */
const MAX_DEPTH = 64;

/** Whether applying `x` (as `manager`, not forced) would leave `live` exactly as it is. */
export function isProvenNoOpApply(x: KubeObject, live: KubeObject | undefined, manager: string): boolean {
  if (!live || live.apiVersion !== x.apiVersion || live.kind !== x.kind) return false;
  if (live.metadata.deletionTimestamp !== undefined) return false;
  const entries = (live.metadata.managedFields ?? []).filter((e) => e.manager === manager);
  if (entries.length !== 1) return false;
  const own: ManagedFieldsEntry = entries[0];
  if (own.operation !== 'Apply' || own.apiVersion !== x.apiVersion || own.subresource) return false;
  if ((own.fieldsType ?? 'FieldsV1') !== 'FieldsV1' || !isMap(own.fieldsV1)) return false;
  const top: JsonMap = {};
  for (const [k, v] of Object.entries(x)) if (!STRIPPED_TOP.has(k)) top[k] = v;
  const metadata: JsonMap = {};
  for (const [k, v] of Object.entries(x.metadata)) if (!STRIPPED_METADATA.has(k)) metadata[k] = v;
  if (Object.keys(metadata).length) top.metadata = metadata;
  else delete top.metadata;
  // The manager owns nothing of metadata when the object sets nothing there but its name.
  const fields = { ...own.fieldsV1 };
  if (!top.metadata && isMap(fields['f:metadata']) && !Object.keys(fields['f:metadata']).length)
    delete fields['f:metadata'];
  return sameMap(top, live, fields, 0);
}

/** Every key of `x` is in `live` with the same value and is owned (`f:<key>`); nothing else is owned. */
function sameMap(x: JsonMap, live: unknown, owned: JsonMap, depth: number): boolean {
  if (!isMap(live) || depth > MAX_DEPTH) return false;
  let ownedFields = 0;
  for (const key of Object.keys(owned)) {
    if (key === '.') continue;
    if (!key.startsWith('f:') || !Object.hasOwn(x, key.slice(2))) return false;
    ownedFields++;
  }
  let fields = 0;
  for (const [key, value] of Object.entries(x)) {
    if (value === undefined) continue;
    fields++;
    const node = owned[`f:${key}`];
    if (!isMap(node) || !Object.hasOwn(live, key) || !sameValue(value, live[key], node, depth + 1)) return false;
  }
  return fields === ownedFields;
}

function sameValue(x: unknown, live: unknown, owned: JsonMap, depth: number): boolean {
  const ownsChildren = Object.keys(owned).some((k) => k !== '.');
  if (x === null) return false; // null unsets a field: not a no-op to reason about
  if (typeof x !== 'object') return !ownsChildren && x === live;
  if (Array.isArray(x)) {
    if (!Array.isArray(live) || live.length !== x.length) return false;
    // An atomic list is owned as a whole.
    if (!ownsChildren) return equalJson(x, live, depth);
    return sameList(x, live, owned, depth);
  }
  if (!isMap(x)) return false;
  if (Object.keys(x).length === 0) return !ownsChildren && isMap(live) && Object.keys(live).length === 0;
  // A map owned as a whole (an atomic map, e.g. a LabelSelector) is unchanged when it is equal as a whole.
  return ownsChildren ? sameMap(x, live, owned, depth) : equalJson(x, live, depth);
}

/**
 * A granular list (associative by keys, a set of values, or by index): element i of `x` is element i of the live
 * list, and the owned entries are exactly one per element.
 */
function sameList(x: unknown[], live: unknown[], owned: JsonMap, depth: number): boolean {
  const entries = Object.entries(owned).filter(([k]) => k !== '.');
  if (entries.length !== x.length) return false;
  const used = new Set<string>();
  for (let i = 0; i < x.length; i++) {
    const element = x[i];
    const match = entries.find(([k]) => !used.has(k) && matchesElement(k, element, i));
    if (!match || !isMap(match[1])) return false;
    used.add(match[0]);
    const [key, node] = match as [string, JsonMap];
    if (key.startsWith('v:')) {
      if (!equalJson(element, live[i], depth)) return false;
      continue;
    }
    if (!isMap(element) || !sameMap(element, live[i], node, depth + 1)) return false;
  }
  return true;
}

function matchesElement(key: string, element: unknown, index: number): boolean {
  try {
    if (key.startsWith('i:')) return key === `i:${index}`;
    if (key.startsWith('v:')) return equalJson(JSON.parse(key.slice(2)), element, 0);
    if (key.startsWith('k:')) {
      const fields = JSON.parse(key.slice(2)) as unknown;
      if (!isMap(fields) || !isMap(element)) return false;
      return Object.entries(fields).every(([k, v]) => equalJson(v, element[k], 0));
    }
  } catch {
    return false;
  }
  return false;
}

function equalJson(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (depth > MAX_DEPTH || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => equalJson(v, b[i], depth + 1));
  }
  if (Array.isArray(b) || !isMap(a) || !isMap(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && equalJson(a[k], b[k], depth + 1));
}
