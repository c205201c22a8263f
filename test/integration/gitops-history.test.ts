import * as assert from 'node:assert/strict';
import { getDeployment, type DeploymentRef } from '../../src/gitops/deploymentApi.js';
import { ContextHistory } from '../../src/gitops/history.js';
import { inventoryOf, readLiveObject } from '../../src/gitops/inventory.js';
import { runRequest } from '../../src/gitops/manualRequests.js';
import { readCommandResult } from '../../src/gitops/maskedResults.js';
import { compareResults, readStoredResult } from '../../src/gitops/resultCompare.js';
import { commandResultReport } from '../../src/gitops/resultReport.js';
import type { EventEntry, ResultEntry } from '../../src/gitops/timeline.js';
import type { KubeClient } from '../../src/kube/client.js';
import { waitUntil } from '../harness/processes.js';
import type { GitServer } from '../harness/git-server.js';
import { sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

/**
 * Issue 17 against the real kube-apiserver and kluctl-controller: the timeline fed by watches (Events and result
 * Secrets), Compare with Previous on two deploys of different commits, and the inventory read live.
 */
describe('deployment history against the real kluctl-controller @integration', function () {
  this.timeout(600_000);
  let client: KubeClient;
  let git: GitServer;
  let ref: DeploymentRef;
  let repo: string;
  let namespace: string;
  const deploys: string[] = [];

  before(async () => {
    const [cluster, gitServer] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    client = cluster.client();
    git = gitServer;
    namespace = uniqueName('history');
    repo = uniqueName('history-repo');
    ref = { namespace, name: 'app' };
    await git.pushTree(
      repo,
      { files: projectFiles(namespace, { first: { color: 'blue' }, second: { size: 'L' } }) },
      'one',
    );
    await createDeployment(client, git, repo, ref, { suspend: true });
  });

  it('Compare with Previous of two deploys of different commits shows exactly the changed objects and fields', async () => {
    const one = await runRequest(client, ref, 'deploy');
    assert.equal(one.commandError, '');
    deploys.push(one.resultId);
    await git.pushTree(
      repo,
      { files: projectFiles(namespace, { first: { color: 'green' }, second: { size: 'L' }, third: { new: 'yes' } }) },
      'two',
    );
    const two = await runRequest(client, ref, 'deploy');
    assert.equal(two.commandError, '');
    deploys.push(two.resultId);

    const [older, newer] = await Promise.all(deploys.map((id) => readStoredResult(client, id)));
    assert.notEqual(older.result.gitInfo?.commit, newer.result.gitInfo?.commit, 'two commits');
    const diffs = compareResults(older, newer);
    assert.deepEqual(
      diffs.map((d) => `${d.status} ${d.ref.kind}/${d.ref.name}`),
      ['changed ConfigMap/first', 'new ConfigMap/third'],
      'only what changed between the commits',
    );
    const lines = (text: string | undefined) => new Set((text ?? '').split('\n'));
    const left = lines(diffs[0].left);
    const right = lines(diffs[0].right);
    const removed = [...left].filter((l) => !right.has(l));
    const added = [...right].filter((l) => !left.has(l));
    assert.deepEqual(removed, ['  color: blue']);
    assert.deepEqual(added, ['  color: green']);
  });

  it('lists the inventory of the last deploy and reads one object live', async () => {
    const kd = await getDeployment(client, ref);
    // v2.22.1 leaves status.lastDeployResult at an older deploy after manual deploys of a suspended deployment:
    // the newest stored deploy result is the inventory's source.
    const history = new ContextHistory(client);
    const unsubscribe = history.subscribe(ref);
    let lastId: string | undefined;
    try {
      lastId = await waitUntil('results listed', () => (history.ready ? history.lastDeployResultId(kd) : undefined), {
        timeoutMs: 30_000,
      });
    } finally {
      unsubscribe();
    }
    assert.equal(lastId, deploys[1]);
    const result = await readCommandResult(client, lastId);
    const items = inventoryOf(result, kd.status?.lastDriftDetectionResult);
    assert.deepEqual(
      items.map((i) => `${i.ref.kind}/${i.ref.name}`),
      [`Namespace/${namespace}`, 'ConfigMap/first', 'ConfigMap/second', 'ConfigMap/third'].sort((a, b) =>
        (a.startsWith('Namespace') ? a : `${namespace}/${a}`).localeCompare(
          b.startsWith('Namespace') ? b : `${namespace}/${b}`,
        ),
      ),
    );
    const first = items.find((i) => i.ref.name === 'first')!;
    const yaml = await readLiveObject(client, first);
    assert.match(yaml ?? '', /color: green/);
    assert.doesNotMatch(yaml ?? '', /managedFields|resourceVersion/);
    const report = commandResultReport(result);
    assert.match(report, /1 new · 1 changed/);
  });

  it('after a failed deploy the timeline shows the Event and the failed result within seconds, from watches', async () => {
    const history = new ContextHistory(client, { backoffMs: { initial: 200, max: 2000 } });
    let changes = 0;
    const off = history.onDidChange(() => changes++);
    const unsubscribe = history.subscribe(ref);
    try {
      await waitUntil('results listed', () => (history.ready ? true : undefined), { timeoutMs: 30_000 });
      const kd0 = await getDeployment(client, ref);
      const before = history.results(kd0);
      // The status names only the latest manual request of each kind; older ones are known if seen while watching.
      assert.equal(before.find((r) => r.id === kd0.status?.deployRequestResult?.resultId)?.initiator, 'manual request');

      const files = projectFiles(namespace, { first: { color: 'green' }, second: { size: 'L' } });
      files['app/broken.yaml'] =
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Invalid_Name\n  namespace: ${namespace}\ndata:\n  a: b\n`;
      await git.pushTree(repo, { files }, 'broken');
      const outcome = await runRequest(client, ref, 'deploy');
      const finished = Date.now();
      assert.ok(outcome.resultId, 'a failed deploy still stores its result');

      const seen = await waitUntil(
        'the failed result and a Warning Event in the timeline',
        async () => {
          const kd = await getDeployment(client, ref);
          const entries = history.timeline(kd);
          const result = entries.find((e): e is ResultEntry => e.kind === 'result' && e.id === outcome.resultId);
          const event = entries.find(
            // The controller also records Warning Events while a deployment is not ready ("Progressing: Reconciliation
            // finished…"): wait for the one of the failed deploy.
            (e): e is EventEntry =>
              e.kind === 'event' && e.warning && /failed/i.test(e.message) && e.time.getTime() >= finished - 60_000,
          );
          return result && event ? { result, event, entries } : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      const delay = Date.now() - finished;
      assert.ok(delay < 15_000, `shown ${delay} ms after the deploy finished`);
      assert.ok(seen.result.errors.length > 0, 'the failed result carries its error');
      assert.match(seen.result.errors.map((e) => e.message).join('\n'), /Invalid_Name|invalid|Invalid/);
      assert.equal(seen.result.initiator, 'manual request');
      assert.equal(seen.result.command, 'deploy');
      assert.match(seen.event.message, /failed/i, `${seen.event.reason}: ${seen.event.message}`);
      assert.ok(changes > 0, 'the watches reported changes');
      assert.ok(seen.entries.length <= 70, 'bounded');
    } finally {
      unsubscribe();
      off();
    }
  });
  it('tells who started older results from the stored results alone: manual request, reconcile', async () => {
    await git.pushTree(
      repo,
      { files: projectFiles(namespace, { first: { color: 'green' }, second: { size: 'L' }, third: { new: 'yes' } }) },
      'fixed',
    );
    // Three deploys, then two diff requests: the status names only the last of each kind, and the controller keeps
    // the newest five command results of the target (the reconcile's deploy below, two diffs, two deploys).
    const deploysNow: Array<Awaited<ReturnType<typeof runRequest>>> = [];
    for (let i = 0; i < 3; i++) deploysNow.push(await runRequest(client, ref, 'deploy'));
    const diffs = [await runRequest(client, ref, 'diff'), await runRequest(client, ref, 'diff')];
    // A reconcile request with a new commit: the full reconcile deploys and validates under one reconcile id.
    await git.pushTree(
      repo,
      { files: projectFiles(namespace, { first: { color: 'red' }, second: { size: 'L' }, third: { new: 'yes' } }) },
      'red',
    );
    const reconciled = await runRequest(client, ref, 'reconcile');

    // A history that never saw the statuses of the older requests (a new window).
    const history = new ContextHistory(client);
    const unsubscribe = history.subscribe();
    try {
      const found = await waitUntil(
        'the results listed',
        async () => {
          if (!history.ready) return undefined;
          const kd = await getDeployment(client, ref);
          const results = history.results(kd);
          const byId = new Map(results.map((r) => [r.id, r]));
          const fromReconcile = results.filter((r) => r.reconcileId === reconciled.reconcileId);
          return byId.has(diffs[0].resultId) && byId.has(deploysNow[1].resultId) && fromReconcile.length >= 2
            ? { kd, byId, fromReconcile }
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      assert.notEqual(found.kd.status?.diffRequestResult?.resultId, diffs[0].resultId, 'the status moved on');
      assert.notEqual(found.kd.status?.deployRequestResult?.resultId, deploysNow[1].resultId, 'the status moved on');
      // The older diff: only a manual request stores a diff.
      const describe = (r: ResultEntry | undefined) => JSON.stringify(r && { ...r, time: r.time.toISOString() });
      assert.equal(
        found.byId.get(diffs[0].resultId)?.initiator,
        'manual request',
        describe(found.byId.get(diffs[0].resultId)),
      );
      // The older deploy changed nothing. Only a manual request stores a result without changes, errors and warnings;
      // against this kube-apiserver every deploy carries a deprecation warning (v1 Endpoints), and a reconcile stores
      // a result with warnings too: the stored data cannot tell, and the timeline says "controller", not a guess.
      const older = found.byId.get(deploysNow[1].resultId)!;
      assert.deepEqual(older.counts, { new: 0, changed: 0, deleted: 0, orphan: 0 });
      assert.deepEqual(older.errors, []);
      assert.equal(older.initiator, older.warnings.length > 0 ? 'controller' : 'manual request', describe(older));
      // The reconcile's deploy and validate share its reconcile id.
      assert.deepEqual(found.fromReconcile.map((r) => `${r.command} ${r.initiator}`).sort(), [
        'deploy reconcile',
        'validate reconcile',
      ]);
      assert.equal(found.fromReconcile.find((r) => r.command === 'deploy')?.counts?.changed, 1);
    } finally {
      unsubscribe();
    }
  });
});
