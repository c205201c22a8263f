import * as assert from 'node:assert/strict';
import { getDeployment, type DeploymentRef } from '../../src/gitops/deploymentApi.js';
import { ContextHistory } from '../../src/gitops/history.js';
import { runRequest } from '../../src/gitops/manualRequests.js';
import { readValidateResult } from '../../src/gitops/maskedResults.js';
import { validateResultReport, validationTable } from '../../src/gitops/resultReport.js';
import type { KubeClient } from '../../src/kube/client.js';
import { waitUntil } from '../harness/processes.js';
import { sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

/**
 * Issue 17, Validation, against the real kube-apiserver and kluctl-controller: a validate request on the sample
 * project with one object that is not ready (`kluctl.io/is-ready: "false"`) and one that carries a validate result
 * annotation; the rows of the validation table are exactly what the controller found, per object.
 */
describe('validation table from the real kluctl-controller @integration', function () {
  this.timeout(300_000);
  let client: KubeClient;
  let ref: DeploymentRef;
  let namespace: string;

  before(async () => {
    const [cluster, git] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    client = cluster.client();
    namespace = uniqueName('validation');
    const repo = uniqueName('validation-repo');
    ref = { namespace, name: 'app' };
    const files = projectFiles(namespace, { fine: { a: 'b' } });
    files['app/not-ready.yaml'] = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: not-ready',
      `  namespace: ${namespace}`,
      '  annotations:',
      '    kluctl.io/is-ready: "false"',
      'data:',
      '  x: y',
      '',
    ].join('\n');
    files['app/checked.yaml'] = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: checked',
      `  namespace: ${namespace}`,
      '  annotations:',
      '    validate-result.kluctl.io/owner: "team blue signed off"',
      'data:',
      '  x: y',
      '',
    ].join('\n');
    await git.pushTree(repo, { files }, 'validation');
    await createDeployment(client, git, repo, ref, { suspend: true });
    const deploy = await runRequest(client, ref, 'deploy');
    assert.equal(deploy.commandError, '', 'the objects are deployed');
  });

  it('Validate Now (a validate request) gives one row per finding, per object, from the newest validation', async () => {
    const outcome = await runRequest(client, ref, 'validate');
    assert.ok(outcome.resultId, 'a stored validate result');
    const kd = await getDeployment(client, ref);
    // What the Validation node shows: the newest validation, here the stored result of the request (v2.22.1 does not
    // write a manual validate of a suspended deployment into status.lastValidateResult).
    const history = new ContextHistory(client);
    const unsubscribe = history.subscribe();
    let last: { id: string; stored: boolean } | undefined;
    try {
      last = await waitUntil(
        'the validate result listed',
        () => (history.ready ? history.lastValidateResultId(kd) : undefined),
        { timeoutMs: 30_000 },
      );
    } finally {
      unsubscribe();
    }
    assert.equal(last.id, outcome.resultId);
    const stored = await readValidateResult(client, last.id);
    assert.equal(stored.ready, false);
    const rows = validationTable(stored).map((r) => `${r.object} | ${r.severity} | ${r.message}`);
    assert.deepEqual(rows, [
      `${namespace}/ConfigMap/checked | result | validate-result.kluctl.io/owner: team blue signed off`,
      `${namespace}/ConfigMap/not-ready | error | kluctl.io/is-ready annotation is set to false`,
    ]);
    const report = validateResultReport(stored);
    assert.match(report, /\| Ready \| no \|/);
    assert.match(report, /not-ready \| error \| kluctl\.io\/is-ready annotation is set to false \|/);
  });
});
