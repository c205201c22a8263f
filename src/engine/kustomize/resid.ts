/** Resource identities as kustomize compares them (group/version/kind, name, effective namespace). */

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export interface ResId extends Gvk {
  name: string;
  namespace: string;
}

/** A partial GVK; empty parts match anything. */
export type GvkSelector = Partial<Gvk>;

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function apiVersionOf(gvk: Gvk): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

/**
 * The cluster-scoped kinds of kustomize's built-in schema, by exact apiVersion. Anything else (CRDs, newer API
 * versions) counts as namespaced, as in kustomize.
 */
const CLUSTER_SCOPED = new Set([
  'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration',
  'apiextensions.k8s.io/v1 CustomResourceDefinition',
  'apiextensions.k8s.io/v1beta1 CustomResourceDefinition',
  'apiregistration.k8s.io/v1 APIService',
  'apiregistration.k8s.io/v1beta1 APIService',
  'certificates.k8s.io/v1 CertificateSigningRequest',
  'certificates.k8s.io/v1beta1 CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema',
  'flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration',
  'networking.k8s.io/v1 IngressClass',
  'networking.k8s.io/v1beta1 IngressClass',
  'node.k8s.io/v1 RuntimeClass',
  'node.k8s.io/v1beta1 RuntimeClass',
  'policy/v1beta1 PodSecurityPolicy',
  'rbac.authorization.k8s.io/v1 ClusterRole',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1beta1 ClusterRole',
  'rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding',
  'scheduling.k8s.io/v1 PriorityClass',
  'scheduling.k8s.io/v1beta1 PriorityClass',
  'storage.k8s.io/v1 CSIDriver',
  'storage.k8s.io/v1 CSINode',
  'storage.k8s.io/v1 StorageClass',
  'storage.k8s.io/v1 VolumeAttachment',
  'storage.k8s.io/v1beta1 CSIDriver',
  'storage.k8s.io/v1beta1 CSINode',
  'storage.k8s.io/v1beta1 StorageClass',
  'storage.k8s.io/v1beta1 VolumeAttachment',
  'v1 ComponentStatus',
  'v1 Namespace',
  'v1 Node',
  'v1 NodeProxyOptions',
  'v1 PersistentVolume',
]);

export function isClusterScoped(gvk: Gvk): boolean {
  return CLUSTER_SCOPED.has(`${apiVersionOf(gvk)} ${gvk.kind}`);
}

/**
 * isClusterScoped of what `apiVersion` and `kind` parse to, without building the GVK (hot: name references compare
 * every pair of resources). Parsing and joining again gives the apiVersion back, less a leading '/' (empty group).
 */
export function isClusterScopedKind(apiVersion: string, kind: string): boolean {
  const apiVersions = CLUSTER_SCOPED_BY_KIND.get(kind);
  return apiVersions !== undefined && apiVersions.has(apiVersion.startsWith('/') ? apiVersion.slice(1) : apiVersion);
}

/** CLUSTER_SCOPED by kind: most kinds are not there, and need no key built. */
const CLUSTER_SCOPED_BY_KIND = new Map<string, Set<string>>();
for (const entry of CLUSTER_SCOPED) {
  const [apiVersion, kind] = entry.split(' ');
  if (!CLUSTER_SCOPED_BY_KIND.has(kind)) CLUSTER_SCOPED_BY_KIND.set(kind, new Set());
  CLUSTER_SCOPED_BY_KIND.get(kind)!.add(apiVersion);
}

const NOT_NAMESPACEABLE = '_non_namespaceable_';

/** The namespace ids are compared by: cluster-scoped kinds have none, '' means 'default'. */
export function effectiveNamespace(id: Gvk & { namespace: string }): string {
  return namespaceKey(isClusterScoped(id), id.namespace);
}

/** effectiveNamespace from its parts. */
export function namespaceKey(clusterScoped: boolean, namespace: string): string {
  if (clusterScoped) return NOT_NAMESPACEABLE;
  return namespace === '' ? 'default' : namespace;
}

function gvkEquals(a: Gvk, b: Gvk): boolean {
  return a.group === b.group && a.version === b.version && a.kind === b.kind;
}

export function idEquals(a: ResId, b: ResId): boolean {
  return a.name === b.name && gvkEquals(a, b) && effectiveNamespace(a) === effectiveNamespace(b);
}

export function isSelected(gvk: Gvk, selector: GvkSelector | undefined): boolean {
  if (!selector) return true;
  if (selector.group && gvk.group !== selector.group) return false;
  if (selector.version && gvk.version !== selector.version) return false;
  if (selector.kind && gvk.kind !== selector.kind) return false;
  return true;
}

/** kustomize's id string, e.g. `ConfigMap.v1.[noGrp]/name.ns`. */
export function idString(id: ResId): string {
  return `${id.kind || '[noKind]'}.${id.version || '[noVer]'}.${id.group || '[noGrp]'}/${id.name || '[noName]'}.${id.namespace || '[noNs]'}`;
}
