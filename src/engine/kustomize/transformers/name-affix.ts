/** `namePrefix` / `nameSuffix`: renames every object except CRDs, APIServices and Namespaces, remembering the affix. */

import { isSelected } from '../resid.js';
import type { Resource } from '../resource.js';

const SKIPPED = [
  { kind: 'CustomResourceDefinition' },
  { group: 'apiregistration.k8s.io', kind: 'APIService' },
  { kind: 'Namespace' },
];

export function addNameAffix(resources: Resource[], affix: string, where: 'prefix' | 'suffix'): void {
  if (!affix) return;
  for (const r of resources) {
    const org = r.orgId();
    if (SKIPPED.some((s) => isSelected(org, s))) continue;
    if (where === 'prefix') r.prefixes.push(affix);
    else r.suffixes.push(affix);
    r.storePreviousId();
    if (typeof r.metadata.name === 'string' || typeof r.metadata.name === 'number') {
      r.name = where === 'prefix' ? `${affix}${r.name}` : `${r.name}${affix}`;
    }
  }
}
