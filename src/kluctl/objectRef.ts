/** Kluctl's k8s.ObjectRef and the strings Go derives from it. */

import { splitApiVersion, type KubeObject } from '../kube/objects.js';

import type { ObjectRef } from './resultTypes.js';
import { objectRefString } from './results.js';

/** The ref of an object; empty group, version and namespace are left out (as Kluctl's JSON omits them). */
export function refOf(obj: KubeObject): ObjectRef {
  const { group, version } = splitApiVersion(obj.apiVersion ?? '');
  const namespace = obj.metadata?.namespace;
  // Key order as in Go's struct: group, version, kind, name, namespace.
  const ref = {} as ObjectRef;
  if (group) ref.group = group;
  if (version) ref.version = version;
  ref.kind = obj.kind ?? '';
  ref.name = obj.metadata?.name ?? '';
  if (typeof namespace === 'string' && namespace) ref.namespace = namespace;
  return ref;
}

/** Kluctl's ObjectRef JSON: empty group, version and namespace are omitted. */
export function compactRef(ref: ObjectRef): ObjectRef {
  const out: ObjectRef = { kind: ref.kind, name: ref.name };
  if (ref.group) out.group = ref.group;
  if (ref.version) out.version = ref.version;
  if (ref.namespace) out.namespace = ref.namespace;
  return out;
}

/** ObjectRef.String(): "ns/Kind/name", "Kind/name" when cluster-scoped, "Kind" without a name. */
export function refString(ref: ObjectRef): string {
  return ref.namespace || ref.name ? objectRefString(ref) : ref.kind;
}

/** Identity without the version (group, kind, namespace, name), usable as a map key. */
export function refKey(ref: ObjectRef): string {
  return `${ref.group ?? ''}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** schema.GroupVersionKind.String(): "apps/v1, Kind=Deployment", "/v1, Kind=ConfigMap" for the core group. */
export function gvkString(ref: ObjectRef): string {
  return `${ref.group ?? ''}/${ref.version ?? ''}, Kind=${ref.kind}`;
}

export function isSecretRef(ref: ObjectRef): boolean {
  return !ref.group && ref.kind === 'Secret';
}
