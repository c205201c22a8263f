/** Reading Kluctl's control annotations off the local (rendered) object. */

import type { KubeObject } from '../../kube/objects.js';
import { goParseBool, isMap } from '../../util/go-values.js';
import { scalarText } from '../../util/scalar.js';

function annotations(obj: KubeObject): [string, string][] {
  const a = obj.metadata?.annotations as unknown;
  if (!isMap(a)) return [];
  return Object.entries(a).map(([k, v]) => [k, scalarText(v)]);
}

/** Values of the annotations whose key matches (e.g. `kluctl.io/ignore-diff-field` and its `-N` variants). */
export function annotationValuesMatching(obj: KubeObject, key: RegExp): string[] {
  return annotations(obj)
    .filter(([k]) => key.test(k))
    .map(([, v]) => v);
}

/** GetK8sAnnotationBoolNoError: the annotation as a Go bool, the default when absent or not a bool. */
export function annotationBool(obj: KubeObject, name: string, defaultValue = false): boolean {
  const v = annotations(obj).find(([k]) => k === name)?.[1];
  return v === undefined ? defaultValue : (goParseBool(v) ?? defaultValue);
}
