import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { getObject } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeObject } from '../../src/kube/objects.js';
import { KLUCTL_EXAMPLES } from '../harness/paths.js';
import { waitUntil } from '../harness/processes.js';
import { runKluctl } from '../harness/kluctl.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment } from './helpers/gitopsProject.js';
import { writeFiles } from '../harness/files.js';

/** The real kluctl CLI and controller against the harness cluster: the peers every later feature is proven with. */
describe('real kluctl CLI and controller @integration', function () {
  this.timeout(600_000);

  it('kluctl render --print-all renders the simple example', async () => {
    const cluster = await sharedCluster();
    const project = path.join(KLUCTL_EXAMPLES, 'simple');
    const run = await runKluctl(['render', '--print-all', '-t', 'simple', '--project-dir', project], {
      kubeconfig: cluster.kubeconfig,
    });
    assert.equal(run.code, 0, run.stderr);
    const objects = parseAllDocuments(run.stdout)
      .map((d) => d.toJS() as KubeObject)
      .filter(Boolean);
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      ['Namespace//simple-simple', 'Deployment/simple-simple/nginx-deployment', 'Service/simple-simple/nginx'],
    );
    for (const o of objects) {
      assert.equal(o.metadata.labels?.['kluctl.io/discriminator'], 'kluctl-examples-simple-simple');
      assert.equal(o.metadata.labels?.['kluctl.io/tag-0'], 'deployment');
      assert.equal(o.metadata.labels?.['kluctl.io/tag-1'], 'nginx');
    }
  });

  it('kluctl deploy --yes applies a project with field manager kluctl', async () => {
    const cluster = await sharedCluster();
    const namespace = uniqueName('deploy');
    const project = writeProject(namespace);
    const run = await runKluctl(['deploy', '--yes', '--project-dir', project], { kubeconfig: cluster.kubeconfig });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);

    const client = cluster.client();
    const cm = await getObject(client, new ResourceMapper(client), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'app-config',
      namespace,
    });
    assert.ok(cm, 'the ConfigMap was deployed');
    assert.deepEqual(cm.data, { color: 'blue' });
    assert.equal(cm.metadata.labels?.['kluctl.io/discriminator'], `peer-${namespace}`);
    assert.ok(cm.metadata.managedFields?.some((f) => f.manager === 'kluctl' && f.operation === 'Apply'));
  });

  it('kluctl controller run reconciles a KluctlDeployment from the loopback Git server to Ready=True', async () => {
    const [cluster, git, controller] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    const namespace = uniqueName('gitops');
    const repo = uniqueName('repo');
    const commit = await git.pushTree(repo, { sourceDir: writeProject(namespace) }, 'initial project');
    const client = cluster.client();
    const mapper = new ResourceMapper(client);
    await createDeployment(client, git, repo, { namespace, name: 'app' }, { prune: true });

    const kd = await waitUntil(
      'KluctlDeployment Ready=True',
      async () => {
        const current = await getObject(client, mapper, {
          apiVersion: 'gitops.kluctl.io/v1beta1',
          kind: 'KluctlDeployment',
          name: 'app',
          namespace,
        });
        const ready = (
          current?.status as { conditions?: Array<{ type: string; status: string }> } | undefined
        )?.conditions?.find((c) => c.type === 'Ready');
        return ready?.status === 'True' ? current : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\ncontroller log (${controller.logFile}):\n${fs.readFileSync(controller.logFile, 'utf8').split('\n').slice(-30).join('\n')}`,
      );
    });

    const status = kd.status as { observedCommit?: string; projectKey?: { repoKey?: string } };
    assert.equal(status.observedCommit, commit);
    assert.equal(status.projectKey?.repoKey, `git://127.0.0.1:${git.port}/${repo}`);
    const cm = await getObject(client, mapper, { apiVersion: 'v1', kind: 'ConfigMap', name: 'app-config', namespace });
    assert.deepEqual(cm?.data, { color: 'blue' });
    assert.ok(
      controller.logLines().some((l) => l.namespace === namespace && l.name === 'app'),
      'the controller logged JSON lines for the deployment',
    );
  });
});

/** A one-item Kluctl project deploying a ConfigMap into `namespace`, written to a fresh directory. */
function writeProject(namespace: string): string {
  const dir = path.join(scratchDir(), 'projects', namespace);
  const files: Record<string, string> = {
    '.kluctl.yaml': `discriminator: peer-${namespace}\n`,
    'deployment.yaml': `deployments:\n  - path: namespaces\n  - barrier: true\n  - path: app\n`,
    'namespaces/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
    'app/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ${namespace}\ndata:\n  color: {{ "blue" }}\n`,
  };
  writeFiles(dir, files);
  return dir;
}
