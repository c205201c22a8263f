/** The default field specs of kustomize's builtin transformers (api v0.21.1). */

import type { FieldSpec } from './kustomization.js';

const spec = (
  path: string,
  create: boolean,
  gvk: { group?: string; version?: string; kind?: string } = {},
): FieldSpec => ({ path, create, ...gvk });

/** Where labels go on objects and on the pod/job templates they carry. */
const METADATA_LABELS: FieldSpec[] = [
  spec('metadata/labels', true),
  spec('spec/template/metadata/labels', true, { version: 'v1', kind: 'ReplicationController' }),
  spec('spec/template/metadata/labels', true, { kind: 'Deployment' }),
  spec('spec/template/metadata/labels', true, { kind: 'ReplicaSet' }),
  spec('spec/template/metadata/labels', true, { kind: 'DaemonSet' }),
  spec('spec/template/metadata/labels', true, { group: 'apps', kind: 'StatefulSet' }),
  spec('spec/volumeClaimTemplates[]/metadata/labels', true, { group: 'apps', kind: 'StatefulSet' }),
  spec('spec/template/metadata/labels', true, { group: 'batch', kind: 'Job' }),
  spec('spec/jobTemplate/metadata/labels', true, { group: 'batch', kind: 'CronJob' }),
  spec('spec/jobTemplate/spec/template/metadata/labels', true, { group: 'batch', kind: 'CronJob' }),
];

const AFFINITY_SELECTORS = [
  'podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm',
  'podAffinity/requiredDuringSchedulingIgnoredDuringExecution',
  'podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm',
  'podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution',
].map((p) => `spec/template/spec/affinity/${p}/labelSelector/matchLabels`);

const podSelectors = (kind: string): FieldSpec[] => [
  ...AFFINITY_SELECTORS.map((p) => spec(p, false, { group: 'apps', kind })),
  spec('spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels', false, { group: 'apps', kind }),
];

/** commonLabels and `labels` with includeSelectors: selectors too. */
export const COMMON_LABELS: FieldSpec[] = [
  spec('spec/selector', true, { version: 'v1', kind: 'Service' }),
  spec('spec/selector', true, { version: 'v1', kind: 'ReplicationController' }),
  spec('spec/selector/matchLabels', true, { kind: 'Deployment' }),
  ...podSelectors('Deployment'),
  spec('spec/selector/matchLabels', true, { kind: 'ReplicaSet' }),
  spec('spec/selector/matchLabels', true, { kind: 'DaemonSet' }),
  spec('spec/selector/matchLabels', true, { group: 'apps', kind: 'StatefulSet' }),
  ...podSelectors('StatefulSet'),
  spec('spec/selector/matchLabels', false, { group: 'batch', kind: 'Job' }),
  spec('spec/jobTemplate/spec/selector/matchLabels', false, { group: 'batch', kind: 'CronJob' }),
  spec('spec/selector/matchLabels', false, { group: 'policy', kind: 'PodDisruptionBudget' }),
  spec('spec/podSelector/matchLabels', false, { group: 'networking.k8s.io', kind: 'NetworkPolicy' }),
  spec('spec/ingress/from/podSelector/matchLabels', false, { group: 'networking.k8s.io', kind: 'NetworkPolicy' }),
  spec('spec/egress/to/podSelector/matchLabels', false, { group: 'networking.k8s.io', kind: 'NetworkPolicy' }),
  ...METADATA_LABELS,
];

/** `labels` with includeTemplates. */
export const TEMPLATE_LABELS: FieldSpec[] = METADATA_LABELS;

export const COMMON_ANNOTATIONS: FieldSpec[] = [
  spec('metadata/annotations', true),
  spec('spec/template/metadata/annotations', true, { version: 'v1', kind: 'ReplicationController' }),
  spec('spec/template/metadata/annotations', true, { kind: 'Deployment' }),
  spec('spec/template/metadata/annotations', true, { kind: 'ReplicaSet' }),
  spec('spec/template/metadata/annotations', true, { kind: 'DaemonSet' }),
  spec('spec/template/metadata/annotations', true, { kind: 'StatefulSet' }),
  spec('spec/template/metadata/annotations', true, { group: 'batch', kind: 'Job' }),
  spec('spec/jobTemplate/metadata/annotations', true, { group: 'batch', kind: 'CronJob' }),
  spec('spec/jobTemplate/spec/template/metadata/annotations', true, { group: 'batch', kind: 'CronJob' }),
];

/** Besides metadata/namespace, which the namespace transformer sets on every namespaced object. */
export const NAMESPACE: FieldSpec[] = [
  spec('metadata/name', true, { kind: 'Namespace' }),
  spec('spec/service/namespace', true, { group: 'apiregistration.k8s.io', kind: 'APIService' }),
  spec('spec/conversion/webhook/clientConfig/service/namespace', false, {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
  }),
];

export const IMAGES: FieldSpec[] = ['spec', 'spec/template/spec'].flatMap((pod) => [
  spec(`${pod}/containers[]/image`, true),
  spec(`${pod}/initContainers[]/image`, true),
  spec(`${pod}/volumes[]/image/reference`, true),
]);

export const REPLICAS: FieldSpec[] = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].map((kind) =>
  spec('spec/replicas', true, { kind }),
);
