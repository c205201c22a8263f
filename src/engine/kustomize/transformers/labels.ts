/** `labels`, `commonLabels` and `commonAnnotations`: string entries set at every field spec that applies. */

import { COMMON_ANNOTATIONS, COMMON_LABELS, TEMPLATE_LABELS } from '../builtin-field-specs.js';
import { KustomizeError } from '../../errors.js';
import { applyFieldSpec, getRef, mergeFieldSpecs } from '../field-spec.js';
import type { FieldSpec, Kustomization } from '../kustomization.js';
import type { Resource } from '../resource.js';
import { isPlainObject } from '../../yaml/kustomize.js';

function setMapEntries(resources: Resource[], entries: Record<string, string>, specs: FieldSpec[]): void {
  const keys = Object.keys(entries).sort();
  if (keys.length === 0) return;
  for (const r of resources) {
    for (const key of keys) {
      for (const spec of specs) {
        applyFieldSpec(r.obj, spec, {
          createKind: 'map',
          set: (ref) => {
            const map = getRef(ref);
            if (!isPlainObject(map))
              throw new KustomizeError(
                `considering field '${spec.path}': wrong node kind, expected a mapping`,
                r.source.file,
                r.source.line,
              );
            map[key] = entries[key];
          },
        });
      }
    }
  }
}

/** The field specs of one `labels` entry. */
function labelFieldSpecs(label: Kustomization['labels'][number]): FieldSpec[] {
  const own = label.fields ?? [];
  if (label.includeSelectors) return mergeFieldSpecs(own, COMMON_LABELS);
  const withTemplates = label.includeTemplates ? mergeFieldSpecs(own, TEMPLATE_LABELS) : own;
  return mergeFieldSpecs(withTemplates, [{ path: 'metadata/labels', create: true }]);
}

export function applyLabels(resources: Resource[], k: Kustomization): void {
  for (const label of k.labels) setMapEntries(resources, label.pairs ?? {}, labelFieldSpecs(label));
  setMapEntries(resources, k.commonLabels, COMMON_LABELS);
}

export function applyCommonAnnotations(resources: Resource[], k: Kustomization): void {
  setMapEntries(resources, k.commonAnnotations, COMMON_ANNOTATIONS);
}
