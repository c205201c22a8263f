/**
 * After renames (prefixes, suffixes, hash suffixes, namespaces), references to renamed objects follow them:
 * ConfigMap/Secret refs of workloads, ServiceAccounts, roleRefs, Services of Ingresses, and kustomize's other
 * default name references (api v0.21.1).
 */

import { KustomizeError } from '../errors.js';
import { applyFieldSpec, getRef, setRef, type FieldRef } from './field-spec.js';
import type { FieldSpec } from './kustomization.js';
import { effectiveNamespace, idString, isSelected, type GvkSelector } from './resid.js';
import { scalarString, type Obj, type Resource } from './resource.js';
import { isPlainObject } from '../yaml/kustomize.js';

interface BackReference {
  target: GvkSelector;
  referrers: FieldSpec[];
}

const fs = (path: string, gvk: GvkSelector): FieldSpec => ({ path, ...gvk });

/** Pod specs by kind, as kustomize lists them for ConfigMaps and Secrets. */
const POD_SPECS: [GvkSelector, string][] = [
  [{ version: 'v1', kind: 'Pod' }, 'spec'],
  [{ kind: 'PodTemplate' }, 'template/spec'],
  ...['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job'].map((kind): [GvkSelector, string] => [
    { kind },
    'spec/template/spec',
  ]),
  [{ kind: 'CronJob' }, 'spec/jobTemplate/spec/template/spec'],
];

/** ...and for ServiceAccounts, PVCs and PriorityClasses. */
const WORKLOAD_SPECS: [GvkSelector, string][] = [
  [{ kind: 'Pod' }, 'spec'],
  ...['StatefulSet', 'Deployment', 'ReplicationController'].map((kind): [GvkSelector, string] => [
    { kind },
    'spec/template/spec',
  ]),
  [{ kind: 'CronJob' }, 'spec/jobTemplate/spec/template/spec'],
  ...['Job', 'DaemonSet'].map((kind): [GvkSelector, string] => [{ kind }, 'spec/template/spec']),
];

const inPods = (specs: [GvkSelector, string][], paths: string[]): FieldSpec[] =>
  specs.flatMap(([gvk, pod]) => paths.map((p) => fs(`${pod}/${p}`, gvk)));
const rbac = 'rbac.authorization.k8s.io';
const webhooks = 'admissionregistration.k8s.io';

const BACK_REFERENCES: BackReference[] = [
  ...['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((kind) => ({
    target: { kind },
    referrers: [fs('spec/scaleTargetRef/name', { kind: 'HorizontalPodAutoscaler' })],
  })),
  {
    target: { version: 'v1', kind: 'ConfigMap' },
    referrers: [
      ...inPods(POD_SPECS, [
        'volumes/configMap/name',
        'containers/env/valueFrom/configMapKeyRef/name',
        'initContainers/env/valueFrom/configMapKeyRef/name',
        'containers/envFrom/configMapRef/name',
        'initContainers/envFrom/configMapRef/name',
        'volumes/projected/sources/configMap/name',
      ]),
      fs('spec/configSource/configMap', { kind: 'Node' }),
      fs('rules/resourceNames', { kind: 'Role' }),
      fs('rules/resourceNames', { kind: 'ClusterRole' }),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap', { kind: 'Ingress' }),
    ],
  },
  {
    target: { version: 'v1', kind: 'Secret' },
    referrers: [
      ...inPods(POD_SPECS, [
        'volumes/secret/secretName',
        'containers/env/valueFrom/secretKeyRef/name',
        'initContainers/env/valueFrom/secretKeyRef/name',
        'containers/envFrom/secretRef/name',
        'initContainers/envFrom/secretRef/name',
        'imagePullSecrets/name',
        'volumes/projected/sources/secret/name',
      ]),
      fs('spec/tls/secretName', { kind: 'Ingress' }),
      fs('metadata/annotations/ingress.kubernetes.io\\/auth-secret', { kind: 'Ingress' }),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret', { kind: 'Ingress' }),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret', { kind: 'Ingress' }),
      fs('imagePullSecrets/name', { kind: 'ServiceAccount' }),
      ...['secretName', 'adminSecretName', 'userSecretName', 'secretRef'].map((p) =>
        fs(`parameters/${p}`, { kind: 'StorageClass' }),
      ),
      fs('rules/resourceNames', { kind: 'Role' }),
      fs('rules/resourceNames', { kind: 'ClusterRole' }),
      fs('spec/template/spec/containers/env/valueFrom/secretKeyRef/name', {
        group: 'serving.knative.dev',
        version: 'v1',
        kind: 'Service',
      }),
      fs('spec/azureFile/secretName', { kind: 'PersistentVolume' }),
    ],
  },
  {
    target: { version: 'v1', kind: 'Service' },
    referrers: [
      fs('spec/serviceName', { group: 'apps', kind: 'StatefulSet' }),
      fs('spec/rules/http/paths/backend/serviceName', { kind: 'Ingress' }),
      fs('spec/backend/serviceName', { kind: 'Ingress' }),
      fs('spec/rules/http/paths/backend/service/name', { kind: 'Ingress' }),
      fs('spec/defaultBackend/service/name', { kind: 'Ingress' }),
      fs('spec/service/name', { group: 'apiregistration.k8s.io', kind: 'APIService' }),
      fs('webhooks/clientConfig/service', { group: webhooks, kind: 'ValidatingWebhookConfiguration' }),
      fs('webhooks/clientConfig/service', { group: webhooks, kind: 'MutatingWebhookConfiguration' }),
    ],
  },
  { target: { group: rbac, kind: 'Role' }, referrers: [fs('roleRef/name', { group: rbac, kind: 'RoleBinding' })] },
  {
    target: { group: rbac, kind: 'ClusterRole' },
    referrers: [
      fs('roleRef/name', { group: rbac, kind: 'RoleBinding' }),
      fs('roleRef/name', { group: rbac, kind: 'ClusterRoleBinding' }),
    ],
  },
  {
    target: { version: 'v1', kind: 'ServiceAccount' },
    referrers: [
      fs('subjects', { group: rbac, kind: 'RoleBinding' }),
      fs('subjects', { group: rbac, kind: 'ClusterRoleBinding' }),
      ...inPods(WORKLOAD_SPECS, ['serviceAccountName']),
    ],
  },
  {
    target: { version: 'v1', kind: 'PersistentVolumeClaim' },
    referrers: inPods(WORKLOAD_SPECS, ['volumes/persistentVolumeClaim/claimName']),
  },
  {
    target: { version: 'v1', kind: 'PersistentVolume' },
    referrers: [
      fs('spec/volumeName', { kind: 'PersistentVolumeClaim' }),
      fs('rules/resourceNames', { kind: 'ClusterRole' }),
    ],
  },
  {
    target: { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass' },
    referrers: [
      fs('spec/storageClassName', { kind: 'PersistentVolume' }),
      fs('spec/storageClassName', { kind: 'PersistentVolumeClaim' }),
      fs('spec/volumeClaimTemplates/spec/storageClassName', { kind: 'StatefulSet' }),
    ],
  },
  {
    target: { group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass' },
    referrers: inPods(WORKLOAD_SPECS, ['priorityClassName']),
  },
  // The group includes the version in kustomize's table, so IngressClass references are never updated; kept as is.
  {
    target: { group: 'networking.k8s.io/v1', version: 'v1', kind: 'IngressClass' },
    referrers: [fs('spec/ingressClassName', { kind: 'Ingress' })],
  },
  {
    target: { group: webhooks, kind: 'ValidatingAdmissionPolicy' },
    referrers: [fs('spec/policyName', { group: webhooks, kind: 'ValidatingAdmissionPolicyBinding' })],
  },
];

interface Reference {
  spec: FieldSpec;
  target: GvkSelector;
  /** Its place in BACK_REFERENCES, referrers in order. */
  order: number;
}

/** BACK_REFERENCES' references by the kind their referrer spec selects (`''`: any kind), in order. */
const REFERENCES_BY_KIND = new Map<string, Reference[]>();
for (const [order, ref] of BACK_REFERENCES.flatMap((b) =>
  b.referrers.map((spec) => ({ spec, target: b.target })),
).entries()) {
  const key = ref.spec.kind || '';
  if (!REFERENCES_BY_KIND.has(key)) REFERENCES_BY_KIND.set(key, []);
  REFERENCES_BY_KIND.get(key)!.push({ ...ref, order });
}
/** referencesOfKind's answers; kinds come from the project, so at most MAX_KINDS_KEPT are kept. */
const ofKind = new Map<string, Reference[]>();
const MAX_KINDS_KEPT = 1000;

/** The references whose spec may select a referrer of `kind`, in BACK_REFERENCES order. */
function referencesOfKind(kind: string): Reference[] {
  let refs = ofKind.get(kind);
  if (!refs) {
    refs = [...(kind ? (REFERENCES_BY_KIND.get(kind) ?? []) : []), ...(REFERENCES_BY_KIND.get('') ?? [])];
    refs.sort((a, b) => a.order - b.order);
    if (ofKind.size < MAX_KINDS_KEPT) ofKind.set(kind, refs);
  }
  return refs;
}

export function fixNameReferences(resources: Resource[]): void {
  // Each resource against the references that can select its kind (matching every resource against all ~100
  // references was most of this function on a 2,000-object project).
  const referrers: { referrer: Resource; references: Reference[]; index: number }[] = [];
  resources.forEach((referrer, index) => {
    const id = referrer.orgId();
    const references = referencesOfKind(id.kind).filter((ref) => isSelected(id, ref.spec));
    if (references.length > 0) referrers.push({ referrer, references, index });
  });
  // In the order of a loop over the references, then the resources (kustomize's).
  referrers.sort((a, b) => a.references[0].order - b.references[0].order || a.index - b.index);
  for (const { referrer, references } of referrers) {
    const candidates = couldBeReferencedBy(resources, referrer);
    for (const reference of references) {
      const spec: FieldSpec = { path: reference.spec.path };
      applyFieldSpec(referrer.obj, spec, { set: (ref) => updateReference(ref, { referrer, reference, candidates }) });
    }
  }
}

interface ReferenceContext {
  referrer: Resource;
  reference: Reference;
  candidates: Resource[];
}

function updateReference(ref: FieldRef, ctx: ReferenceContext): void {
  const value = getRef(ref);
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((element, i) => {
      if (element === null || element === undefined) return;
      if (isPlainObject(element)) updateMapping(element, ctx);
      else if (typeof element !== 'object') updateScalar({ container: value, key: i }, ctx);
      else
        throw new KustomizeError(
          `${ctx.reference.spec.path} is expected to be either a string or a map of string`,
          ctx.referrer.source.file,
        );
    });
  } else if (isPlainObject(value)) updateMapping(value, ctx);
  else updateScalar(ref, ctx);
}

function updateScalar(ref: FieldRef, ctx: ReferenceContext): void {
  const oldName = scalarString(getRef(ref));
  const referral = selectReferral(oldName, ctx.candidates, ctx, (rs) => rs.every((r) => r.name === rs[0].name));
  if (referral && referral.name !== oldName) setRef(ref, referral.name);
}

function updateMapping(node: Obj, ctx: ReferenceContext): void {
  if (!('name' in node)) {
    throw new KustomizeError(
      `updating name reference in '${ctx.reference.spec.path}': path config error; no 'name' field in node`,
      ctx.referrer.source.file,
    );
  }
  let candidates = ctx.candidates;
  if ('namespace' in node) {
    const ns = scalarString(node.namespace);
    const byOriginal = candidates.filter((r) => !r.isClusterScoped && effectiveNamespace(r.orgId()) === ns);
    candidates =
      byOriginal.length > 0 ? byOriginal : candidates.filter((r) => !r.isClusterScoped && r.effectiveNamespace === ns);
  }
  const oldName = scalarString(node.name);
  const referral = selectReferral(oldName, candidates, ctx, (rs) =>
    rs.every((r) => r.name === rs[0].name && r.namespace === rs[0].namespace),
  );
  if (!referral || (referral.name === oldName && referral.namespace === '')) return;
  node.name = referral.name;
  if (referral.namespace) node.namespace = referral.namespace;
}

function selectReferral(
  oldName: string,
  all: Resource[],
  ctx: ReferenceContext,
  identical: (rs: Resource[]) => boolean,
): Resource | undefined {
  const { referrer, reference } = ctx;
  // The names first, from the bookkeeping itself (previousIds() builds ids, for every resource and reference).
  let candidates = all.filter((r) => r.prevIds.some((id) => id.name === oldName));
  candidates = candidates.filter((r) => r.previousIds().some((id) => isSelected(id, reference.target)));
  const roleRef = reference.spec.path.endsWith('roleRef/name') ? roleRefGvk(referrer.obj) : undefined;
  if (roleRef) candidates = candidates.filter((r) => r.previousIds().some((id) => isSelected(id, roleRef)));
  if (!referrer.isClusterScoped) {
    const ns = referrer.effectiveNamespace;
    candidates = candidates.filter(
      (r) => r.isClusterScoped || r.kind === 'ServiceAccount' || r.effectiveNamespace === ns,
    );
  }
  if (candidates.length === 1) return candidates[0];
  candidates = candidates.filter((r) => sameAffixes(r, referrer, true));
  if (candidates.length > 1) candidates = candidates.filter((r) => sameAffixes(r, referrer, false));
  if (candidates.length <= 1) return candidates[0];
  if (identical(candidates)) return candidates[0];
  throw new KustomizeError(
    `found multiple possible referrals: ${candidates.map((r) => idString(r.curId())).join(', ')} for '${reference.spec.path}' of ${idString(referrer.curId())}`,
    referrer.source.file,
    referrer.source.line,
  );
}

function roleRefGvk(obj: Obj): GvkSelector | undefined {
  const roleRef = obj.roleRef;
  if (!isPlainObject(roleRef) || !('apiGroup' in roleRef) || !('kind' in roleRef)) return undefined;
  return { group: scalarString(roleRef.apiGroup), kind: scalarString(roleRef.kind) };
}

function sameAffixes(a: Resource, b: Resource, allowEmpty: boolean): boolean {
  const prefixes =
    (allowEmpty && (a.prefixes.length === 0 || b.prefixes.length === 0)) || sameEnding(a.prefixes, b.prefixes);
  const suffixes =
    (allowEmpty && (a.suffixes.length === 0 || b.suffixes.length === 0)) || sameEnding(a.suffixes, b.suffixes);
  return prefixes && suffixes;
}

/** The shorter list is the tail of the longer one (both empty counts, one empty does not). */
function sameEnding(a: string[], b: string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const diff = long.length - short.length;
  if (short.length === 0) return diff === 0;
  return short.every((s, i) => long[i + diff] === s);
}

/** Namespaced objects refer within their namespace, RoleBindings also to their subjects' namespaces. */
function couldBeReferencedBy(resources: Resource[], referrer: Resource): Resource[] {
  if (referrer.isClusterScoped) return resources;
  const ns = referrer.effectiveNamespace;
  const subjectNamespaces = new Set<string>();
  if (referrer.kind === 'RoleBinding' && Array.isArray(referrer.obj.subjects)) {
    for (const s of referrer.obj.subjects) {
      if (!isPlainObject(s) || !('namespace' in s) || !('kind' in s) || s.kind !== 'ServiceAccount') continue;
      if (typeof s.namespace !== 'string')
        throw new KustomizeError(
          `Invalid Input: namespace is blank for resource ${idString(referrer.curId())}`,
          referrer.source.file,
        );
      subjectNamespaces.add(s.namespace);
    }
  }
  return resources.filter(
    (r) => r.isClusterScoped || r.effectiveNamespace === ns || subjectNamespaces.has(r.namespace),
  );
}
