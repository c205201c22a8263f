/**
 * The objects a deployment manages, from its last deploy result, with the ones its last drift detection found
 * different marked; and one of them read live from the cluster as masked YAML.
 */
import { stringify } from 'yaml';
import { getObject } from '../kube/apply.js';
import { ResourceMapper } from '../kube/discovery.js';
import { type KubeClient } from '../kube/client.js';
import { maskDocuments } from '../kluctl/masking.js';
import { objectRefString } from '../kluctl/results.js';
import type { CommandResult, DriftDetectionResult, ObjectRef } from '../kluctl/resultTypes.js';
import { cleanManifest, withGoKeyOrder, YAML_OPTIONS } from './resultDocuments.js';

export type DriftMark = 'changed' | 'new' | 'deleted' | 'orphan';

export interface InventoryItem {
  ref: ObjectRef;
  /** `group/version` or `version`, to read the object. */
  apiVersion: string;
  hook: boolean;
  drift?: DriftMark;
}

/** The objects of a (reduced) command result that are in the cluster after it, sorted by ref. */
export function inventoryOf(result: Pick<CommandResult, 'objects'>, drift?: DriftDetectionResult): InventoryItem[] {
  const drifted = new Map<string, DriftMark>();
  for (const o of drift?.objects ?? []) {
    const mark: DriftMark | undefined = o.new
      ? 'new'
      : o.deleted
        ? 'deleted'
        : o.orphan
          ? 'orphan'
          : o.changes?.length
            ? 'changed'
            : undefined;
    if (mark) drifted.set(objectRefString(o.ref), mark);
  }
  return (result.objects ?? [])
    .filter((o) => !o.deleted && !o.orphan && (o.applied || o.rendered || o.remote))
    .map((o) => {
      const manifest = o.applied ?? o.rendered ?? o.remote;
      return {
        ref: o.ref,
        apiVersion: manifest?.apiVersion ?? (o.ref.group ? `${o.ref.group}/${o.ref.version}` : (o.ref.version ?? 'v1')),
        hook: o.hook === true,
        drift: drifted.get(objectRefString(o.ref)),
      };
    })
    .sort((a, b) => objectRefString(a.ref).localeCompare(objectRefString(b.ref)));
}

/** One object as it is in the cluster now, server fields removed, Secret values masked unless revealed. */
export async function readLiveObject(
  client: KubeClient,
  item: Pick<InventoryItem, 'ref' | 'apiVersion'>,
  options: { revealSecrets?: boolean; signal?: AbortSignal } = {},
): Promise<string | undefined> {
  const object = await getObject(
    client,
    new ResourceMapper(client),
    { apiVersion: item.apiVersion, kind: item.ref.kind, name: item.ref.name, namespace: item.ref.namespace },
    options.signal,
  );
  if (!object) return undefined;
  const [masked] = maskDocuments(
    item.ref,
    withGoKeyOrder(cleanManifest(object)) as Record<string, unknown>,
    undefined,
    options.revealSecrets === true,
  );
  return stringify(masked, YAML_OPTIONS);
}
