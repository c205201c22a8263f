import * as assert from 'node:assert/strict';
import { getDeployment, type DeploymentRef } from '../../src/gitops/deploymentApi.js';
import { approveDeployment, runRequest, setSuspended, type RequestProgress } from '../../src/gitops/manualRequests.js';
import { presentStatus } from '../../src/gitops/status.js';
import { waitUntil } from '../harness/processes.js';
import { readCommandResult, readCommandResultDiffs, readValidateResult } from '../../src/gitops/maskedResults.js';
import { summarizeObjects } from '../../src/kluctl/results.js';
import { getObject } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeClient } from '../../src/kube/client.js';
import { TestCluster } from '../harness/cluster.js';
import { GitServer } from '../harness/git-server.js';
import { KluctlController } from '../harness/kluctl.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

async function configMap(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const cm = await getObject(client, new ResourceMapper(client), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace,
    name,
  });
  return cm?.data as Record<string, string> | undefined;
}

describe('GitOps requests against the real kluctl-controller @integration', function () {
  this.timeout(600_000);
  let client: KubeClient;
  let git: GitServer;
  let ref: DeploymentRef;
  let repo: string;

  before(async () => {
    const [cluster, gitServer] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    client = cluster.client();
    git = gitServer;
    const namespace = uniqueName('requests');
    repo = uniqueName('requests-repo');
    ref = { namespace, name: 'app' };
    await git.pushTree(
      repo,
      { files: projectFiles(namespace, { first: { color: 'blue' }, second: { size: 'L' } }) },
      'initial',
    );
    // Suspended from the start: only manual requests deploy anything.
    await createDeployment(client, git, repo, ref, { suspend: true });
  });

  it('deploys on a manual request while suspended, reporting start (reconcile id) and finish', async () => {
    const progress: RequestProgress['phase'][] = [];
    const outcome = await runRequest(client, ref, 'deploy', { onProgress: (p) => progress.push(p.phase) });
    assert.deepEqual(progress, ['requested', 'started', 'finished']);
    assert.equal(outcome.commandError, '');
    assert.match(outcome.reconcileId, /^[0-9a-f-]{36}$/);
    assert.ok(outcome.resultId, 'a deploy result was stored');
    assert.deepEqual(await configMap(client, ref.namespace, 'first'), { color: 'blue' });

    const result = await readCommandResult(client, outcome.resultId);
    const names = summarizeObjects(result)
      .new.map((o) => `${o.ref.kind}/${o.ref.name}`)
      .sort();
    assert.deepEqual(names, ['ConfigMap/first', 'ConfigMap/second']);
    assert.equal((await getDeployment(client, ref)).spec.suspend, true, 'still suspended');
  });

  it('resumes and suspends, waiting until the controller observed each change', async () => {
    const resumed = await setSuspended(client, ref, false);
    assert.equal(resumed.spec.suspend, undefined);
    assert.ok((resumed.status?.observedGeneration ?? 0) >= (resumed.metadata.generation ?? 1));
    const suspended = await setSuspended(client, ref, true);
    assert.equal(suspended.spec.suspend, true);
    assert.ok((suspended.status?.observedGeneration ?? 0) >= (suspended.metadata.generation ?? 1));
  });

  it('runs a reconcile request (no stored result) to its end', async () => {
    const outcome = await runRequest(client, ref, 'reconcile');
    assert.equal(outcome.commandError, '');
    assert.equal(outcome.resultId, '');
  });

  it('returns the changed object with its unified diff for a diff after a pushed change', async () => {
    await git.pushTree(
      repo,
      { files: projectFiles(ref.namespace, { first: { color: 'green' }, second: { size: 'L' } }) },
      'recolour',
    );
    const outcome = await runRequest(client, ref, 'diff');
    assert.equal(outcome.commandError, '');
    const result = await readCommandResult(client, outcome.resultId);
    const changed = summarizeObjects(result).changed;
    assert.deepEqual(
      changed.map((o) => o.ref.name),
      ['first'],
    );
    const change = changed[0].changes?.[0];
    assert.equal(change?.jsonPath, 'data.color');
    assert.equal(change?.unifiedDiff, '-blue\n+green');
    assert.deepEqual(await configMap(client, ref.namespace, 'first'), { color: 'blue' }, 'a diff changes nothing');
  });

  it('turns a diff result into full-manifest document pairs, Secret values masked', async () => {
    const files = projectFiles(ref.namespace, { first: { color: 'green' }, second: { size: 'L' } });
    files['app/secret.yaml'] =
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: ${ref.namespace}\nstringData:\n  password: hunter2\n`;
    await git.pushTree(repo, { files }, 'add a secret');
    const outcome = await runRequest(client, ref, 'diff');
    const { diffs } = await readCommandResultDiffs(client, outcome.resultId);
    const byName = new Map(diffs.map((d) => [d.ref.name, d]));
    assert.deepEqual([...byName.keys()].sort(), ['creds', 'first']);

    const first = byName.get('first')!;
    assert.equal(first.status, 'changed');
    assert.match(first.left ?? '', /^data:\n {2}color: blue$/m);
    assert.match(first.right ?? '', /^data:\n {2}color: green$/m);
    assert.doesNotMatch(`${first.left}${first.right}`, /managedFields|resourceVersion|uid:/, 'server noise removed');

    const secret = byName.get('creds')!;
    assert.equal(secret.status, 'new');
    assert.equal(secret.left, undefined);
    assert.doesNotMatch(secret.right ?? '', /hunter2|aHVudGVyMg/);
    assert.match(secret.right ?? '', /password: "\*{5}"/);

    const revealed = await readCommandResultDiffs(client, outcome.resultId, { revealSecrets: true });
    assert.match(revealed.diffs.find((d) => d.ref.name === 'creds')?.right ?? '', /aHVudGVyMg==/);
  });

  it('prunes an object removed from the project', async () => {
    await git.pushTree(repo, { files: projectFiles(ref.namespace, { first: { color: 'green' } }) }, 'drop second');
    const deploy = await runRequest(client, ref, 'deploy');
    const deployed = await readCommandResult(client, deploy.resultId);
    assert.deepEqual(
      summarizeObjects(deployed).orphan.map((o) => o.ref.name),
      ['second'],
      'second is an orphan after the deploy',
    );
    assert.ok(await configMap(client, ref.namespace, 'second'), 'deploy without prune keeps it');

    const prune = await runRequest(client, ref, 'prune');
    assert.equal(prune.commandError, '');
    const pruned = await readCommandResult(client, prune.resultId);
    assert.deepEqual(
      summarizeObjects(pruned).deleted.map((o) => o.ref.name),
      ['second'],
    );
    assert.equal(await configMap(client, ref.namespace, 'second'), undefined);
  });

  it('validates and returns the validate result', async () => {
    const outcome = await runRequest(client, ref, 'validate');
    assert.equal(outcome.commandError, '');
    const result = await readValidateResult(client, outcome.resultId);
    assert.equal(result.ready, true);
    assert.deepEqual(result.errors ?? [], []);
  });

  it("passes the controller's error on for an invalid overridesPatch instead of hanging", async () => {
    const started = Date.now();
    await assert.rejects(
      runRequest(client, ref, 'diff', { overridesPatch: { spec: { noSuchField: true } }, startTimeoutMs: 120_000 }),
      (error: Error) => {
        assert.match(error.message, /noSuchField|unknown field/i);
        return true;
      },
    );
    assert.ok(Date.now() - started < 60_000, 'fails well before the timeout');
  });
});

describe('manual approval against the real kluctl-controller @integration', function () {
  this.timeout(300_000);

  it('deploys a manual-mode deployment only after approval of the rendered objects', async () => {
    const [cluster, git] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    const client = cluster.client();
    const ref = { namespace: uniqueName('manual'), name: 'app' };
    const repo = uniqueName('manual-repo');
    await git.pushTree(repo, { files: projectFiles(ref.namespace, { gated: { v: '1' } }) });
    await createDeployment(client, git, repo, ref, { manual: true });

    const rendered = await waitUntil(
      'rendered objects hash',
      async () => {
        const kd = await getDeployment(client, ref);
        return kd.status?.lastObjectsHash ? kd : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.equal(presentStatus(rendered).manualApprovalPending, true);
    assert.equal(await configMap(client, ref.namespace, 'gated'), undefined, 'nothing deployed before approval');

    const approved = await approveDeployment(client, ref);
    assert.equal(approved.spec.manualObjectsHash, rendered.status?.lastObjectsHash);
    await waitUntil('deploy after approval', () => configMap(client, ref.namespace, 'gated'), {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    assert.equal(presentStatus(await getDeployment(client, ref)).manualApprovalPending, false);
  });
});

describe('GitOps requests without a running controller @integration', function () {
  this.timeout(300_000);

  it('times out with a message naming the controller when nobody picks the request up', async () => {
    // A cluster of its own, whose controller is stopped before the request.
    const cluster = await TestCluster.start();
    const git = await GitServer.start(`${scratchDir()}/git-stopped`);
    try {
      const controller = await KluctlController.start(cluster, { logFile: `${scratchDir()}/stopped-controller.log` });
      await controller.stop();
      const ref = { namespace: uniqueName('stopped'), name: 'app' };
      await git.pushTree('stopped', { files: projectFiles(ref.namespace, { first: { a: '1' } }) });
      await createDeployment(cluster.client(), git, 'stopped', ref);
      await assert.rejects(
        runRequest(cluster.client(), ref, 'deploy', { startTimeoutMs: 3000 }),
        /the kluctl-controller did not pick up the deploy request for KluctlDeployment .* within 3s: is it running/,
      );
    } finally {
      await git.stop();
      await cluster.stop();
    }
  });
});
