import * as assert from 'node:assert/strict';
import { streamFileLogs, streamPodLogs, type LogRecord } from '../../src/gitops/controllerLogs.js';
import { runRequest } from '../../src/gitops/manualRequests.js';
import { sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

describe('kluctl-controller logs @integration', function () {
  this.timeout(300_000);

  // The local-process setting (kluctl.controllerLogFile): the controller's own log file. The default path, the
  // Pod's logs through pods/log, is tested in gitops-controller-pod.test.ts.
  it("returns a request's lines by reconcile id, and no other deployment's lines", async () => {
    const [cluster, git, controller] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    const client = cluster.client();
    const namespace = uniqueName('logs');
    const repo = uniqueName('logs-repo');
    await git.pushTree(repo, { files: projectFiles(namespace, { cm: { a: '1' } }) });
    const a = { namespace, name: 'a' };
    const b = { namespace, name: 'b' };
    await createDeployment(client, git, repo, a, { suspend: true });
    await createDeployment(client, git, repo, b, { suspend: true });

    // Follow a's logs while requests run on both deployments.
    const followed: LogRecord[] = [];
    const stop = new AbortController();
    const following = streamFileLogs(controller.logFile, {
      filter: { namespace, name: 'a' },
      follow: true,
      signal: stop.signal,
      onRecord: (r) => followed.push(r),
      pollMs: 100,
    });
    const [outcomeA, outcomeB] = await Promise.all([runRequest(client, a, 'deploy'), runRequest(client, b, 'deploy')]);
    await new Promise((r) => setTimeout(r, 500));
    stop.abort();
    await following;

    const records: LogRecord[] = [];
    await streamFileLogs(controller.logFile, {
      filter: { namespace, name: 'a', reconcileId: outcomeA.reconcileId },
      follow: false,
      onRecord: (r) => records.push(r),
    });
    assert.ok(records.length >= 3, `several lines for the request (${records.length})`);
    assert.ok(
      records.every((r) => r.reconcileId === outcomeA.reconcileId && r.name === 'a' && r.namespace === namespace),
    );
    assert.ok(
      records.some((r) => r.message.startsWith('Processing kluctl.io/request-deploy')),
      records.map((r) => r.message).join('\n'),
    );
    assert.ok(
      records.every((r) => r.time instanceof Date && !Number.isNaN(r.time.getTime())),
      'timestamps parse',
    );
    assert.ok(!records.some((r) => r.reconcileId === outcomeB.reconcileId));

    assert.ok(
      followed.some((r) => r.reconcileId === outcomeA.reconcileId),
      'following saw the request while it ran',
    );
    assert.ok(
      followed.every((r) => r.name === 'a'),
      "following never shows b's lines",
    );
  });

  it('says clearly that no controller pod exists (a namespace without the controller)', async () => {
    const cluster = await sharedCluster();
    const empty = uniqueName('no-controller');
    await assert.rejects(
      streamPodLogs(cluster.client(), {
        controllerNamespace: empty,
        filter: {},
        follow: false,
        onRecord: () => undefined,
      }),
      new RegExp(`no kluctl-controller pods \\(label control-plane=kluctl-controller\\) in namespace "${empty}"`),
    );
  });
});
