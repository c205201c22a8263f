/** Namespace defaulting (spec §5.3), only with a cluster: discovery (or a rendered CRD) decides namespaced-ness. */

import type { KubeObject } from '../../kube/objects.js';
import type { ResourceMapper } from '../../kube/discovery.js';
import { splitApiVersion } from '../../kube/objects.js';
import { HELM_INSTALL_NAMESPACE } from '../helm/helm-chart.js';

export async function fixNamespaces(
  objects: readonly KubeObject[],
  mapper: ResourceMapper,
  signal?: AbortSignal,
): Promise<void> {
  const fromCrds = new Map<string, boolean>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || splitApiVersion(o.apiVersion ?? '').group !== 'apiextensions.k8s.io')
      continue;
    const spec = (o.spec ?? {}) as { scope?: string; group?: string; names?: { kind?: string } };
    if (spec.scope && spec.group && spec.names?.kind)
      fromCrds.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Namespaced');
  }
  for (const o of objects) {
    let def = 'default';
    const helmNs = o.metadata.annotations?.[HELM_INSTALL_NAMESPACE];
    if (helmNs !== undefined) {
      def = helmNs;
      delete o.metadata.annotations![HELM_INSTALL_NAMESPACE];
    }
    let namespaced = fromCrds.get(`${splitApiVersion(o.apiVersion ?? '').group}/${o.kind}`);
    if (namespaced === undefined)
      namespaced = (await mapper.find(o.apiVersion, o.kind, signal).catch(() => undefined))?.namespaced;
    if (namespaced === undefined) continue;
    if (namespaced && !o.metadata.namespace) o.metadata.namespace = def;
    else if (!namespaced && o.metadata.namespace !== undefined) delete o.metadata.namespace;
  }
}
