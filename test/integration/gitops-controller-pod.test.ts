import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { streamPodLogs, type LogRecord } from '../../src/gitops/controllerLogs.js';
import { runRequest } from '../../src/gitops/manualRequests.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { TestCluster } from '../harness/cluster.js';
import { CONTROLLER_POD, runKluctl, type KluctlController } from '../harness/kluctl.js';
import { waitUntil } from '../harness/processes.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

interface PodLike {
  metadata: { name: string; uid: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec: { nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

/**
 * The test cluster as users' clusters are: kube-controller-manager, kube-scheduler and kwok's simulated nodes
 * around the API server, and the kluctl-controller installed by `kluctl controller install`, its Pod served by a
 * local process. The extension's default paths (pods/log, pods/portforward) go through the API server's node
 * proxy to kwok's kubelet server, which the audit log proves.
 */
describe('the kluctl-controller in its Pod on simulated nodes @integration', function () {
  this.timeout(300_000);

  let cluster: TestCluster;
  let controller: KluctlController;
  let client: KubeClient;

  before(async () => {
    [cluster, controller] = await Promise.all([sharedCluster(), sharedController()]);
    client = cluster.client();
  });

  it('a Deployment gets a ReplicaSet and Pods, scheduled on a simulated node and Ready', async () => {
    const namespace = uniqueName('nodes');
    await client.requestJson({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
    await client.requestJson({
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
          },
        },
      },
    });
    const deployment = await waitUntil(
      'Deployment web with 2 ready replicas',
      async () => {
        const d = await client.requestJson<{ status?: { readyReplicas?: number; availableReplicas?: number } }>({
          path: `/apis/apps/v1/namespaces/${namespace}/deployments/web`,
        });
        return d.status?.readyReplicas === 2 ? d : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    assert.equal(deployment.status?.availableReplicas, 2);
    const replicaSets = await client.requestJson<{ items: Array<{ metadata: { name: string } }> }>({
      path: `/apis/apps/v1/namespaces/${namespace}/replicasets`,
    });
    assert.equal(replicaSets.items.length, 1, 'kube-controller-manager made one ReplicaSet');
    const pods = await client.requestJson<{ items: PodLike[] }>({ path: `/api/v1/namespaces/${namespace}/pods` });
    assert.equal(pods.items.length, 2);
    for (const pod of pods.items) {
      assert.deepEqual(
        pod.metadata.ownerReferences?.map((o) => [o.kind, o.name]),
        [['ReplicaSet', replicaSets.items[0].metadata.name]],
      );
      assert.ok(cluster.nodeNames.includes(pod.spec.nodeName ?? ''), `scheduled on a kwok node: ${pod.spec.nodeName}`);
      assert.equal(pod.status?.phase, 'Running');
      const prefix = cluster.podCidr!.replace(/\.0\/24$/, '.');
      assert.ok(pod.status?.podIP?.startsWith(prefix), `a Pod IP of ${cluster.podCidr}: ${pod.status?.podIP}`);
    }
  });

  it('the controller is installed by `kluctl controller install`, its Pod Running on a simulated node', async () => {
    const deployment = await client.requestJson<{
      metadata: { labels?: Record<string, string> };
      spec: { template: { spec: { serviceAccountName?: string } } };
      status?: { readyReplicas?: number };
    }>({ path: `/apis/apps/v1/namespaces/${CONTROLLER_POD.namespace}/deployments/kluctl-controller` });
    assert.equal(deployment.metadata.labels?.['app.kubernetes.io/managed-by'], 'kluctl');
    assert.equal(deployment.spec.template.spec.serviceAccountName, CONTROLLER_POD.serviceAccount);
    assert.equal(deployment.status?.readyReplicas, 1);
    const pod = await client.requestJson<PodLike>({
      path: `/api/v1/namespaces/${CONTROLLER_POD.namespace}/pods/${controller.pod!.name}`,
    });
    assert.ok(cluster.nodeNames.includes(pod.spec.nodeName ?? ''));
    // The process acts as the Pod's service account, not as the harness's admin.
    const kubeconfig = fs.readFileSync(`${cluster.workDir}/kubeconfig-kluctl-controller`, 'utf8');
    assert.match(kubeconfig, /token: "ey/);
    assert.doesNotMatch(kubeconfig, /client-certificate/);
  });

  it("Show Logs' default path: a request's lines come through pods/log of the controller Pod", async () => {
    const git = await sharedGitServer();
    const namespace = uniqueName('pod-logs');
    const repo = uniqueName('pod-logs-repo');
    await git.pushTree(repo, { files: projectFiles(namespace, { cm: { a: '1' } }) });
    const ref = { namespace, name: 'logs' };
    await createDeployment(client, git, repo, ref, { suspend: true });
    const outcome = await runRequest(client, ref, 'deploy');
    const auditBefore = cluster.auditEvents().length;

    const records: LogRecord[] = [];
    await waitUntil(
      'the request in the Pod logs',
      async () => {
        records.length = 0;
        await streamPodLogs(client, {
          controllerNamespace: CONTROLLER_POD.namespace,
          filter: { namespace, name: 'logs', reconcileId: outcome.reconcileId },
          follow: false,
          onRecord: (r) => records.push(r),
        });
        return records.some((r) => r.message.startsWith('Processing kluctl.io/request-deploy')) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    assert.ok(records.every((r) => r.reconcileId === outcome.reconcileId));
    const logEvents = cluster
      .auditEvents()
      .slice(auditBefore)
      .filter((e) => e.objectRef?.subresource === 'log' && e.stage === 'ResponseComplete');
    assert.ok(logEvents.length > 0, 'the API server served pods/log');
    assert.equal(logEvents[0].objectRef?.name, controller.pod!.name);
    assert.equal(logEvents[0].objectRef?.namespace, CONTROLLER_POD.namespace);
    assert.equal(logEvents[0].responseStatus?.code, 200);
  });

  it('readiness without shortcuts: kluctl waits for a Deployment kwok makes Ready, and times out on one no node can take', async () => {
    const namespace = uniqueName('readiness');
    const dir = path.join(scratchDir(), namespace);
    const deployment = (name: string, nodeSelector: Record<string, string> = {}): string =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { nodeSelector, containers: [{ name, image: 'registry.invalid/app:1' }] },
          },
        },
      });
    const files: Record<string, string> = {
      'deployment.yaml':
        'deployments:\n  - path: ns\n  - barrier: true\n  - path: ready\n    waitReadiness: true\n  - path: stuck\n    waitReadiness: true\n',
      'ns/namespace.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
      'ready/deployment.yaml': deployment('ready'),
      'stuck/deployment.yaml': deployment('stuck', { 'example.invalid/no-such-node': 'true' }),
    };
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const run = await runKluctl(['deploy', '--yes', '--readiness-timeout=15s', '--no-update-check'], {
      kubeconfig: cluster.kubeconfig,
      cwd: dir,
      timeoutMs: 180_000,
    });
    const output = run.stdout + run.stderr;
    assert.notEqual(run.code, 0, output);
    assert.match(output, /stuck/);
    assert.match(output, /timed out|timeout/i, output);
    const ready = await client.requestJson<{ status?: { readyReplicas?: number } }>({
      path: `/apis/apps/v1/namespaces/${namespace}/deployments/ready`,
    });
    assert.equal(ready.status?.readyReplicas, 1, 'the schedulable Deployment became Ready');
    const stuckPods = await client.requestJson<{ items: PodLike[] }>({
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: 'app=stuck' },
    });
    assert.deepEqual(
      stuckPods.items.map((p) => [p.spec.nodeName, p.status?.phase]),
      [[undefined, 'Pending']],
      'its Pod was never scheduled',
    );
  });
});
