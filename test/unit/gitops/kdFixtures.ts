import type { KluctlDeployment, KluctlDeploymentSpec, KluctlDeploymentStatus } from '../../../src/kluctl/types.js';

/** A KluctlDeployment as the API server returns it, with the given spec and status on top of a plain default. */
export function kluctlDeployment(
  overrides: {
    spec?: Partial<KluctlDeploymentSpec>;
    status?: KluctlDeploymentStatus;
    annotations?: Record<string, string>;
    name?: string;
  } = {},
): KluctlDeployment {
  return {
    apiVersion: 'gitops.kluctl.io/v1beta1',
    kind: 'KluctlDeployment',
    metadata: {
      name: overrides.name ?? 'podinfo',
      namespace: 'kluctl-system',
      generation: 3,
      resourceVersion: '81234',
      uid: '0b0e6c55-2a4c-4a51-9d8e-6d6f1b0a7f11',
      annotations: overrides.annotations,
    },
    spec: {
      interval: '5m',
      source: { git: { url: 'https://github.com/kluctl/kluctl-examples.git', path: 'simple' } },
      target: 'simple',
      context: 'default',
      prune: true,
      ...overrides.spec,
    },
    status: overrides.status,
  };
}

export const T0 = '2026-06-25T10:00:00Z';
export const T1 = '2026-06-25T10:01:00Z';
export const T2 = '2026-06-25T10:02:00Z';
