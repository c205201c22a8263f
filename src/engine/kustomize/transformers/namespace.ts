/**
 * `namespace:`: every namespaced object moves to the namespace; Namespace objects (v1) are renamed to it, as are
 * APIService/CRD webhook service namespaces, and RoleBinding subjects named `default`.
 */

import { NAMESPACE } from '../builtin-field-specs.js';
import { KustomizeError } from '../../errors.js';
import { applyFieldSpec, setRef } from '../field-spec.js';
import { idEquals, idString } from '../resid.js';
import type { Resource } from '../resource.js';
import { isPlainObject } from '../../yaml/kustomize.js';

export function setNamespace(resources: Resource[], namespace: string): void {
  if (!namespace) return;
  for (const r of resources) {
    r.storePreviousId();
    if (!r.isClusterScoped) r.namespace = namespace;
    const specs = NAMESPACE.filter((s) => r.apiVersion === 'v1' || s.path !== 'metadata/name');
    for (const spec of specs)
      applyFieldSpec(r.obj, spec, { createKind: 'scalar', set: (ref) => setRef(ref, namespace) });
    if (r.kind === 'RoleBinding' || r.kind === 'ClusterRoleBinding') setDefaultSubjects(r.obj.subjects, namespace);
    const id = r.curId();
    // Names first: an id built per resource for each one made this O(n²) allocations (see appendResource).
    if (resources.filter((o) => o.name === id.name && idEquals(o.curId(), id)).length !== 1) {
      throw new KustomizeError(
        `namespace transformation produces ID conflict: ${idString(id)}`,
        r.source.file,
        r.source.line,
      );
    }
  }
}

function setDefaultSubjects(subjects: unknown, namespace: string): void {
  if (!Array.isArray(subjects)) return;
  for (const s of subjects) if (isPlainObject(s) && s.name === 'default') s.namespace = namespace;
}
