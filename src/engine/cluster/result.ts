/** Assembling a CommandResult like Kluctl's collectObjects (spec §9); its summary is kluctl/results.ts buildSummary. */

import type { ObjectRef, ResultObject } from '../../kluctl/resultTypes.js';
import type { KubeObject } from '../../kube/objects.js';
import { compactRef, gvkString, refKey, refOf } from '../../kluctl/objectRef.js';
import { diffRef, type ChangedObject } from './differ.js';

export interface ResultParts {
  rendered?: KubeObject[];
  remote?: KubeObject[];
  applied?: KubeObject[];
  appliedHooks?: KubeObject[];
  /** Deleted inside the apply pass (deleteObjects, kluctl.io/delete, force-replace). */
  deletedByApply?: ObjectRef[];
  changed?: ChangedObject[];
  newRefs?: ObjectRef[];
  orphans?: ObjectRef[];
  deleted?: ObjectRef[];
}

/** Everything keyed by diff-ref; remote-only objects without any flag are dropped; sorted by GVK only. */
export function collectObjects(p: ResultParts): ResultObject[] {
  const m = new Map<string, ResultObject>();
  const get = (ref: ObjectRef) => {
    const k = refKey(ref);
    let o = m.get(k);
    if (!o) m.set(k, (o = { ref: compactRef(ref) }));
    return o;
  };
  const remoteNames = new Map<string, ObjectRef>();
  const appliedNames = new Map<string, ObjectRef>();
  for (const x of p.rendered ?? []) get(diffRef(x)).rendered = x;
  for (const x of p.remote ?? []) {
    remoteNames.set(refKey(refOf(x)), diffRef(x));
    get(diffRef(x)).remote = x;
  }
  for (const x of p.applied ?? []) {
    appliedNames.set(refKey(refOf(x)), diffRef(x));
    get(diffRef(x)).applied = x;
  }
  for (const x of p.appliedHooks ?? []) {
    appliedNames.set(refKey(refOf(x)), diffRef(x));
    get(diffRef(x)).hook = true;
  }
  for (const r of p.deletedByApply ?? []) get(remoteNames.get(refKey(r)) ?? r).deleted = true;
  for (const c of p.changed ?? []) get(appliedNames.get(refKey(c.ref)) ?? c.ref).changes = c.changes;
  for (const r of p.newRefs ?? []) {
    const o = get(appliedNames.get(refKey(r)) ?? r);
    if (!o.changes?.length) o.new = true;
  }
  const deleted = new Set<string>();
  for (const r of p.deleted ?? []) {
    get(r).deleted = true;
    deleted.add(refKey(r));
  }
  // An orphan that was also deleted (without waiting) is no orphan any more.
  for (const r of p.orphans ?? []) if (!deleted.has(refKey(r))) get(r).orphan = true;

  const out = [...m.values()].filter((o) => o.rendered || o.applied || o.deleted || o.orphan);
  return out.sort((a, b) => (gvkString(a.ref) < gvkString(b.ref) ? -1 : gvkString(a.ref) > gvkString(b.ref) ? 1 : 0));
}

/** Drops orphans that went away with a deleted object or namespace. */
export function withoutDeleted(orphans: ObjectRef[], deleted: ObjectRef[]): ObjectRef[] {
  const keys = new Set(deleted.map(refKey));
  const namespaces = new Set(deleted.filter((r) => !r.group && r.kind === 'Namespace').map((r) => r.name));
  return orphans.filter((r) => !keys.has(refKey(r)) && !(r.namespace && namespaces.has(r.namespace)));
}
