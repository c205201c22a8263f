import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { streamPodLogs, type LogRecord } from '../../src/gitops/controllerLogs.js';
import {
  ControllerPodLostError,
  ControllerPodsWatcher,
  presentControllerPods,
  summarizePod,
  type ControllerPodObject,
} from '../../src/gitops/controllerPods.js';
import { getDeployment } from '../../src/gitops/deploymentApi.js';
import { runRequest, type RequestOutcome } from '../../src/gitops/manualRequests.js';
import { REQUEST_ANNOTATIONS } from '../../src/kluctl/types.js';
import { serverSideApply } from '../../src/kube/apply.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import type { TestCluster } from '../harness/cluster.js';
import type { GitServer } from '../harness/git-server.js';
import { CONTROLLER_POD, type KluctlController } from '../harness/kluctl.js';
import { waitUntil } from '../harness/processes.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

interface PodStatus {
  metadata: { name: string };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; restartCount?: number }>;
  };
}

/**
 * Faults users meet with the controller in its Pod, on the real API server with kwok's simulated nodes: the
 * controller Pod deleted while a request runs (the request ends with a clear error naming the Pod, the Pods
 * model behind the tree's controller row shows the new Pod; a request not yet picked up completes through the
 * new Pod), and the logs of a restarted container (previous=true through pods/log and kwok's previousLogsFile).
 */
describe('kluctl-controller Pod faults @integration', function () {
  this.timeout(600_000);

  let cluster: TestCluster;
  let controller: KluctlController;
  let git: GitServer;
  let client: KubeClient;
  let watcher: ControllerPodsWatcher;

  before(async () => {
    [cluster, controller, git] = await Promise.all([sharedCluster(), sharedController(), sharedGitServer()]);
    client = cluster.client();
    // What the Deployments view runs while visible: the controller row is presentControllerPods of this model.
    watcher = new ControllerPodsWatcher(client, CONTROLLER_POD.namespace);
    watcher.start();
  });

  after(() => watcher?.stop());

  const podNames = (): string[] => watcher.summaries.map((p) => p.name);

  it('the controller Pod deleted while a deploy runs: the request fails naming the Pod, the model shows the new Pod', async () => {
    await waitUntil(
      'the watcher lists the controller Pod',
      () => (watcher.state.kind === 'ready' && podNames().includes(controller.pod!.name) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const row = presentControllerPods(CONTROLLER_POD.namespace, watcher.state, watcher.summaries);
    assert.match(row.description, new RegExp(`^${controller.pod!.name} · Running, Ready · on kwok-node-\\d+`));

    // A deploy that stays in flight: kluctl waits for a Deployment no node can take (waitReadiness).
    const namespace = uniqueName('pod-lost');
    const repo = uniqueName('pod-lost-repo');
    await git.pushTree(repo, {
      files: {
        '.kluctl.yaml': `discriminator: test-${namespace}\n`,
        'deployment.yaml':
          'deployments:\n  - path: namespaces\n  - barrier: true\n  - path: stuck\n    waitReadiness: true\n',
        'namespaces/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
        'stuck/deployment.yaml': JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'stuck', namespace },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'stuck' } },
            template: {
              metadata: { labels: { app: 'stuck' } },
              spec: {
                nodeSelector: { 'example.invalid/no-such-node': 'true' },
                containers: [{ name: 'stuck', image: 'registry.invalid/stuck:1' }],
              },
            },
          },
        }),
      },
    });
    const ref = { namespace, name: 'stuck' };
    await createDeployment(client, git, repo, ref, { suspend: true });

    let reconcileId: string | undefined;
    const request = runRequest(client, ref, 'deploy', {
      controllerNamespace: CONTROLLER_POD.namespace,
      startTimeoutMs: 120_000,
      onProgress: (p) => {
        if (p.phase === 'started') reconcileId = p.reconcileId;
      },
    });
    const settled = request.then(
      (outcome) => ({ outcome, error: undefined }),
      (error: Error) => ({ outcome: undefined as RequestOutcome | undefined, error }),
    );
    await waitUntil('the deploy request started', () => reconcileId, { timeoutMs: 120_000, intervalMs: 200 });
    await waitUntil(
      'the controller applied the Deployment it now waits for',
      async () =>
        (
          await client.requestJson<{ items: unknown[] }>({
            path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
          })
        ).items.length > 0
          ? true
          : undefined,
      { timeoutMs: 120_000, intervalMs: 300 },
    );

    const oldPod = controller.pod!.name;
    const deletedAt = Date.now();
    await client.requestJson({
      method: 'DELETE',
      path: `/api/v1/namespaces/${CONTROLLER_POD.namespace}/pods/${oldPod}`,
    });
    const { outcome, error } = await settled;
    const waited = Date.now() - deletedAt;
    const kd = await getDeployment(client, ref);
    // What the kubelet does next (stop the old container, start the new Pod's), before anything can fail.
    await controller.followPodReplacement(client);
    assert.equal(outcome, undefined, `the request must not finish: ${JSON.stringify(outcome)}`);
    assert.ok(error instanceof ControllerPodLostError, `${error?.name}: ${error?.message}`);
    assert.match(
      error.message,
      new RegExp(
        `^KluctlDeployment ${namespace}/stuck: the deploy request \\(reconcile id ${reconcileId}\\) did not finish: the kluctl-controller Pod ${CONTROLLER_POD.namespace}/${oldPod} that ran it was deleted\\. The controller does not resume a request it had started.*: run it again\\.$`,
      ),
    );
    assert.deepEqual(error.lostPods, [oldPod]);
    assert.ok(waited < 30_000, `ended ${waited} ms after the delete, not at a timeout`);
    // The status says the same: started, never ended.
    assert.equal(kd.status?.deployRequestResult?.reconcileId, reconcileId);
    assert.equal(kd.status?.deployRequestResult?.endTime, undefined);
    const newPod = controller.pod!.name;
    assert.notEqual(newPod, oldPod);
    // The ReplicaSet's new Pod is named as the one serving now.
    assert.deepEqual(error.replacements, [newPod]);
    assert.ok(error.message.includes(`(${CONTROLLER_POD.namespace}/${newPod} serves now)`), error.message);
    await waitUntil(
      'the watcher shows the new Pod Ready, not the old one',
      () => {
        const pods = watcher.summaries;
        return pods.length === 1 && pods[0].name === newPod && pods[0].ready ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const after = presentControllerPods(CONTROLLER_POD.namespace, watcher.state, watcher.summaries);
    assert.match(after.description, new RegExp(`^${newPod} · Running, Ready · on kwok-node-\\d+`));
    assert.equal(after.warning, false);
  });

  it('a request sent while the controller Pod is replaced is picked up and completed by the new Pod', async () => {
    const namespace = uniqueName('pod-handover');
    const repo = uniqueName('pod-handover-repo');
    await git.pushTree(repo, { files: projectFiles(namespace, { cm: { a: '1' } }) });
    const ref = { namespace, name: 'handover' };
    await createDeployment(client, git, repo, ref, { suspend: true });

    const oldPod = controller.pod!.name;
    await client.requestJson({
      method: 'DELETE',
      path: `/api/v1/namespaces/${CONTROLLER_POD.namespace}/pods/${oldPod}`,
    });
    let request: Promise<RequestOutcome> | undefined;
    const phases: string[] = [];
    await controller.followPodReplacement(client, {
      whileNoContainer: async () => {
        // No controller process runs now: the request waits on the deployment as its annotation.
        let requested: () => void;
        const sent = new Promise<void>((resolve) => (requested = resolve));
        request = runRequest(client, ref, 'deploy', {
          controllerNamespace: CONTROLLER_POD.namespace,
          startTimeoutMs: 180_000,
          onProgress: (p) => {
            phases.push(p.phase);
            if (p.phase === 'requested') requested();
          },
        });
        request.catch(() => undefined);
        await sent;
        const kd = await getDeployment(client, ref);
        assert.ok(kd.metadata.annotations?.[REQUEST_ANNOTATIONS.deploy], 'the request waits as an annotation');
      },
    });
    const outcome = await request!;
    assert.equal(outcome.commandError, '');
    assert.deepEqual(phases, ['requested', 'started', 'finished']);
    const cm = await client.requestJson<{ data?: Record<string, string> }>({
      path: `/api/v1/namespaces/${namespace}/configmaps/cm`,
    });
    assert.deepEqual(cm.data, { a: '1' }, 'the new Pod deployed it');
    assert.notEqual(controller.pod!.name, oldPod);
  });

  describe('logs of a restarted controller container', () => {
    let namespace: string;
    let podName: string;
    const logsObject = (name: string, logsFile: string, previousLogsFile?: string): KubeObject => ({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name },
      spec: {
        selector: { matchNamespaces: [namespace] },
        logs: [
          { containers: ['controller'], logsFile, ...(previousLogsFile ? { previousLogsFile } : {}), follow: false },
        ],
      },
    });
    const criLine = (time: Date, record: Record<string, unknown>): string =>
      `${time.toISOString()} stderr F ${JSON.stringify({ ts: time.toISOString(), ...record })}\n`;

    before(async () => {
      // A controller Deployment of its own (same labels and container name as kluctl's manifests), so the
      // shared controller's Pod keeps restartCount 0 for the other suites.
      namespace = uniqueName('restarted');
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
          metadata: { name: 'kluctl-controller' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { 'control-plane': 'kluctl-controller' } },
            template: {
              metadata: { labels: { 'control-plane': 'kluctl-controller' } },
              spec: { containers: [{ name: 'controller', image: 'ghcr.io/kluctl/kluctl:v2.22.1' }] },
            },
          },
        },
      });
      podName = await waitUntil(
        'the Pod Running and Ready',
        async () => {
          const pods = await client.requestJson<{ items: PodStatus[] }>({
            path: `/api/v1/namespaces/${namespace}/pods`,
          });
          const pod = pods.items[0];
          return pod?.status?.phase === 'Running' &&
            pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
            ? pod.metadata.name
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 300 },
      );
      // The kubelet's view of a crash: the container restarted once, after an error.
      const now = new Date().toISOString();
      await client.requestJson({
        method: 'PATCH',
        path: `/api/v1/namespaces/${namespace}/pods/${podName}/status`,
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/status/containerStatuses/0/name', value: 'controller' },
          { op: 'replace', path: '/status/containerStatuses/0/restartCount', value: 1 },
          {
            op: 'add',
            path: '/status/containerStatuses/0/lastState',
            value: { terminated: { exitCode: 2, reason: 'Error', startedAt: now, finishedAt: now } },
          },
        ],
      });
    });

    after(async () => {
      await client
        .requestJson({ method: 'DELETE', path: `/apis/kwok.x-k8s.io/v1alpha1/clusterlogs/${namespace}-logs` })
        .catch(() => undefined);
    });

    it('Show Logs reads the previous container first (previous=true through pods/log), marked, then the current one', async () => {
      const dir = path.join(scratchDir(), namespace);
      fs.mkdirSync(dir, { recursive: true });
      const current = path.join(dir, 'current.log');
      const previous = path.join(dir, 'previous.log');
      const t = Date.now();
      fs.writeFileSync(
        previous,
        criLine(new Date(t - 20_000), { level: 'info', msg: 'Starting workers' }) +
          criLine(new Date(t - 15_000), { level: 'error', msg: 'the line that explains the crash', error: 'boom' }),
      );
      fs.writeFileSync(current, criLine(new Date(t - 5_000), { level: 'info', msg: 'Starting workers again' }));
      const mapper = new ResourceMapper(client);
      await serverSideApply(client, mapper, logsObject(`${namespace}-logs`, current, previous), {
        fieldManager: 'test',
        force: true,
      });

      // kwok's stages leave a Running, Ready Pod alone: the restart count stays.
      const pod = await client.requestJson<ControllerPodObject>({
        path: `/api/v1/namespaces/${namespace}/pods/${podName}`,
      });
      assert.equal(pod.status?.containerStatuses?.[0].restartCount, 1);
      const row = presentControllerPods(namespace, { kind: 'ready' }, [summarizePod(pod)]);
      assert.equal(row.warning, true, 'a restarted controller is a warning in the tree');
      assert.match(row.description, /1 restart · on kwok-node-\d+ · v2\.22\.1$/);

      const auditBefore = cluster.auditEvents().length;
      const records = await waitUntil(
        'kwok serves both files',
        async () => {
          const seen: LogRecord[] = [];
          await streamPodLogs(client, {
            controllerNamespace: namespace,
            sinceSeconds: 3600,
            filter: {},
            follow: false,
            onRecord: (r) => seen.push(r),
          });
          return seen.length === 3 ? seen : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.deepEqual(
        records.map((r) => [r.message, r.previousContainerOf]),
        [
          ['Starting workers', podName],
          ['the line that explains the crash', podName],
          ['Starting workers again', undefined],
        ],
      );
      const served = cluster
        .auditEvents()
        .slice(auditBefore)
        .filter(
          (e) =>
            e.objectRef?.subresource === 'log' &&
            e.objectRef.name === podName &&
            e.stage === 'ResponseComplete' &&
            e.responseStatus?.code === 200,
        )
        .map((e) => /[?&]previous=true\b/.test(e.requestURI));
      const lastPrevious = served.lastIndexOf(true);
      assert.ok(lastPrevious >= 0, 'the API server served pods/log with previous=true');
      assert.ok(lastPrevious < served.lastIndexOf(false), 'the previous container is read before the current one');
    });

    it('previous logs that are gone do not fail Show Logs: a note, and the current lines', async () => {
      const dir = path.join(scratchDir(), namespace);
      const current = path.join(dir, 'current.log');
      const mapper = new ResourceMapper(client);
      // The same object without previousLogsFile: kwok then has no previous container's log to serve.
      await serverSideApply(client, mapper, logsObject(`${namespace}-logs`, current), {
        fieldManager: 'test',
        force: true,
      });
      const { records, notes } = await waitUntil(
        'kwok refuses the previous logs',
        async () => {
          const seen: LogRecord[] = [];
          const noted: string[] = [];
          await streamPodLogs(client, {
            controllerNamespace: namespace,
            sinceSeconds: 3600,
            filter: {},
            follow: false,
            onRecord: (r) => seen.push(r),
            onNote: (n) => noted.push(n),
          });
          return noted.length > 0 ? { records: seen, notes: noted } : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.deepEqual(
        records.map((r) => r.message),
        ['Starting workers again'],
      );
      assert.equal(notes.length, 1);
      assert.match(
        notes[0],
        new RegExp(`^the logs of Pod ${podName}'s previous container \\(before its restart\\) are not available: .+`),
      );
    });
  });
});
