/** Orphans, prune and delete (spec §8.2-§8.3): never an object without kluctl's field manager. */

import { deleteObject } from '../../kube/apply.js';
import { type KubeObject } from '../../kube/objects.js';
import type { ObjectRef } from '../../kluctl/resultTypes.js';
import { parseGoBool } from '../postprocess/metadata.js';
import { refKey, refOf } from '../../kluctl/objectRef.js';
import type { ClusterAccess } from './access.js';
import { isSkipDelete, waitUntilDeleted } from './applier.js';
import type { DeploymentMessages } from './messages.js';
import { apiVersionOf } from './remoteObjects.js';

/** Namespaces first, then well-known CRD API groups, then workloads, then everything else. */
const DELETE_ORDER: Array<string[] | undefined> = [
  ['Namespace'],
  [
    'monitoring.coreos.com',
    'kafka.strimzi.io',
    'zookeeper.pravega.io',
    'elasticsearch.k8s.elastic.co',
    'cert-manager.io',
    'bitnami.com',
    'acid.zalan.do',
  ],
  ['Deployment', 'StatefulSet', 'DaemonSet', 'Service', 'Ingress'],
  undefined,
];

/** The candidates kluctl would delete, in deletion order; `excluded` are the rendered refs (none for `delete`). */
export async function findObjectsForDelete(
  cluster: ClusterAccess,
  candidates: KubeObject[],
  inclusionHasTags: boolean,
  excluded: ObjectRef[],
): Promise<ObjectRef[]> {
  const resources = await cluster.mapper.preferredResources(cluster.signal);
  const namespaced = new Map(resources.map((r) => [`${r.group}/${r.kind}`, r.namespaced]));
  const exclusionKey = (ref: ObjectRef) => {
    const ns = namespaced.get(`${ref.group ?? ''}/${ref.kind}`);
    return refKey({
      ...ref,
      version: undefined,
      namespace: ns === undefined ? ref.namespace : ns ? ref.namespace || 'default' : undefined,
    });
  };
  const excludedKeys = new Set(excluded.map(exclusionKey));
  const out: ObjectRef[] = [];
  for (const filter of DELETE_ORDER) {
    const allowed = new Set(
      resources
        .filter((r) => !filter || filter.some((f) => f === r.name || f === r.group || f === r.kind))
        .map((r) => `${r.group}/${r.kind}`),
    );
    for (const o of candidates) {
      const ref = refOf(o);
      if (!allowed.has(`${ref.group ?? ''}/${ref.kind}`)) continue;
      if (isSkipDelete(o) || !managedByKluctl(o)) continue;
      if (excludedKeys.has(exclusionKey(ref))) continue;
      if (inclusionHasTags && parseGoBool(o.metadata.annotations?.['kluctl.io/skip-delete-if-tags'])) continue;
      excludedKeys.add(exclusionKey(ref));
      out.push(ref);
    }
  }
  return out;
}

/** Owned objects, objects without managedFields and objects kluctl never applied are left alone. */
function managedByKluctl(o: KubeObject): boolean {
  if (parseGoBool(o.metadata.annotations?.['kluctl.io/force-managed'])) return true;
  if (((o.metadata.ownerReferences as unknown[] | undefined) ?? []).length) return false;
  return (o.metadata.managedFields ?? []).some((m) => m.manager === 'kluctl');
}

/** Deletes namespaces first (8 at a time), then the rest, skipping what lived in a deleted namespace. */
export async function deleteObjects(
  cluster: ClusterAccess,
  refs: ObjectRef[],
  messages: DeploymentMessages,
  wait: boolean,
  dryRun = false,
): Promise<ObjectRef[]> {
  const deleted: ObjectRef[] = [];
  const one = async (ref: ObjectRef) => {
    const target = { apiVersion: apiVersionOf(ref), kind: ref.kind, name: ref.name, namespace: ref.namespace };
    try {
      const existed = await deleteObject(cluster.client, cluster.mapper, target, { dryRun, signal: cluster.signal });
      if (existed && wait && !dryRun) await waitUntilDeleted(cluster, target);
      deleted.push(ref);
    } catch (error) {
      messages.addError(ref, error);
    }
  };
  const isNamespace = (r: ObjectRef) => !r.group && r.kind === 'Namespace';
  const namespaces = refs.filter(isNamespace);
  await inParallel(namespaces, 8, one);
  const gone = new Set(namespaces.map((r) => r.name));
  await inParallel(
    refs.filter((r) => !isNamespace(r) && !(r.namespace && gone.has(r.namespace))),
    8,
    one,
  );
  return deleted;
}

async function inParallel<T>(list: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < list.length) await fn(list[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
}
