/** `deployedImage` of each `images.get_image()` call: the value the cluster's copy of the object has there. */

import { getObject } from '../../kube/apply.js';
import { NoMatchError } from '../../kube/errors.js';
import { getNested } from '../../kluctl/uo/nested-fields.js';
import type { SeenImage } from '../postprocess/images.js';
import type { ClusterConnection } from './cluster.js';

/**
 * As Kluctl does when it has a cluster: one read per object that holds a placeholder which was a field's whole
 * value; an object (or kind) the cluster does not have leaves `deployedImage` unset.
 */
export async function addDeployedImages(
  seen: readonly SeenImage[],
  cluster: ClusterConnection,
  signal?: AbortSignal,
): Promise<void> {
  const byObject = new Map<string, SeenImage[]>();
  for (const s of seen) {
    if (!s.whole) continue;
    const key = JSON.stringify(s.object);
    byObject.set(key, [...(byObject.get(key) ?? []), s]);
  }
  for (const list of byObject.values()) {
    const { group, version, kind, name, namespace } = list[0].object;
    const apiVersion = group ? `${group}/${version ?? ''}` : (version ?? '');
    let live;
    try {
      live = await getObject(cluster.client, cluster.mapper, { apiVersion, kind, name, namespace }, signal);
    } catch (error) {
      // An unknown kind (its CRD not deployed yet) is an object the cluster does not have.
      if (error instanceof NoMatchError) continue;
      throw error;
    }
    if (!live) continue;
    for (const s of list) {
      const found = getNested(live, s.fieldPath);
      if (found.found && typeof found.value === 'string') s.deployedImage = found.value;
    }
  }
}
