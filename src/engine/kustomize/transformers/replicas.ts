/** `replicas`: sets spec.replicas on the workloads that have (or ever had) the name. */

import { REPLICAS } from '../builtin-field-specs.js';
import { KustomizeError } from '../../errors.js';
import { applyFieldSpec, setRef } from '../field-spec.js';
import type { Kustomization } from '../kustomization.js';
import { isSelected } from '../resid.js';
import type { Resource } from '../resource.js';

export function applyReplicas(resources: Resource[], k: Kustomization): void {
  for (const replica of k.replicas) {
    let found = false;
    for (const spec of REPLICAS) {
      for (const r of resources) {
        if (!r.allIds().some((id) => id.name === (replica.name ?? '') && isSelected(id, spec))) continue;
        found = true;
        applyFieldSpec(r.obj, spec, { createKind: 'scalar', set: (ref) => setRef(ref, replica.count ?? 0) });
      }
    }
    if (!found) {
      throw new KustomizeError(
        `resource with name ${replica.name ?? ''} does not match a config with the following GVK [${REPLICAS.map((s) => `${s.kind}.[noVer].[noGrp]`).join(' ')}]`,
        k.file,
        k.lineOf(['replicas']),
      );
    }
  }
}
