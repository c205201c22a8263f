import { ResourceMapper } from '../../../src/kube/discovery.js';
import { serverSideApply } from '../../../src/kube/apply.js';
import { type KubeClient } from '../../../src/kube/client.js';
import type { DeploymentRef } from '../../../src/gitops/deploymentApi.js';
import type { KluctlDeploymentSpec } from '../../../src/kluctl/types.js';
import type { GitServer } from '../../harness/git-server.js';

/**
 * The files of a small Kluctl project deploying ConfigMaps into `namespace`: the namespace first, a barrier, then
 * one ConfigMap per entry of `configMaps` (name → data).
 */
export function projectFiles(
  namespace: string,
  configMaps: Record<string, Record<string, string>>,
): Record<string, string> {
  const files: Record<string, string> = {
    '.kluctl.yaml': `discriminator: test-${namespace}\n`,
    'deployment.yaml': 'deployments:\n  - path: namespaces\n  - barrier: true\n  - path: app\n',
    'namespaces/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
  };
  for (const [name, data] of Object.entries(configMaps)) {
    const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
    files[`app/${name}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n${lines.join('\n')}\n`;
  }
  return files;
}

/** Creates the namespace and a KluctlDeployment of `repo` on the Git server in it. */
export async function createDeployment(
  client: KubeClient,
  git: GitServer,
  repo: string,
  ref: DeploymentRef,
  spec: Partial<KluctlDeploymentSpec> = {},
): Promise<void> {
  const mapper = new ResourceMapper(client);
  await serverSideApply(
    client,
    mapper,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ref.namespace } },
    { fieldManager: 'test' },
  );
  await serverSideApply(
    client,
    mapper,
    {
      apiVersion: 'gitops.kluctl.io/v1beta1',
      kind: 'KluctlDeployment',
      metadata: { name: ref.name, namespace: ref.namespace },
      spec: { interval: '5m', source: { git: { url: git.url(repo) } }, ...spec },
    },
    { fieldManager: 'test' },
  );
}
