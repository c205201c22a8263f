import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { getDeployment, type DeploymentRef } from '../../src/gitops/deploymentApi.js';
import { DeploymentSetWatch } from '../../src/gitops/deploymentSetWatch.js';
import { HistoryHub } from '../../src/gitops/historyHub.js';
import { runRequest } from '../../src/gitops/manualRequests.js';
import type { EventEntry, ResultEntry } from '../../src/gitops/timeline.js';
import type { KubeClient } from '../../src/kube/client.js';
import { KubeContexts } from '../../src/kube/contexts.js';
import { watchKubeconfigFiles } from '../../src/kube/kubeconfigWatch.js';
import { waitUntil } from '../harness/processes.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

interface KubeconfigDoc {
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
  users: Array<{ name: string; user: Record<string, unknown> }>;
  'current-context': string;
}

/**
 * Issue 17, watches after a kubeconfig reload, against the real kube-apiserver and kluctl-controller: the timeline's
 * watches (HistoryHub) and the alerts' light watch (DeploymentSetWatch) follow a kubeconfig file that is replaced
 * (a context added) and rewritten in place (the user's credentials entry renamed), end every watch of the old
 * clients, and see the controller's Events and status again through the new ones. The mocha root hooks fail the run
 * if a socket or watch is left.
 */
describe('history and alert watches after a kubeconfig reload @integration', function () {
  this.timeout(300_000);
  let admin: KubeClient;
  let ref: DeploymentRef;
  let file: string;

  before(async () => {
    const [cluster, git] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    admin = cluster.client();
    const namespace = uniqueName('reload');
    const repo = uniqueName('reload-repo');
    ref = { namespace, name: 'app' };
    await git.pushTree(repo, { files: projectFiles(namespace, { first: { color: 'blue' } }) }, 'one');
    await createDeployment(admin, git, repo, ref, { suspend: true });
    const dir = path.join(scratchDir(), uniqueName('kubeconfig'));
    fs.mkdirSync(dir, { recursive: true });
    file = path.join(dir, 'config');
    fs.copyFileSync(cluster.kubeconfig, file);
  });

  it('restarts the timeline and alert watches on the new clients; events arrive again; no watch of the old ones is left', async () => {
    const contexts = new KubeContexts({ kubeconfigPath: () => file, timeoutMs: () => 10_000 });
    const context = contexts.snapshot().current!;
    const clientOf = (c: string) => contexts.client(c);
    const hub = new HistoryHub(clientOf, () => ({ backoffMs: { initial: 200, max: 2000 } }));
    const alerts = new DeploymentSetWatch(clientOf, { backoffMs: { initial: 200, max: 2000 } });
    let reloads = 0;
    let last = hub.history(context);
    const unwatch = watchKubeconfigFiles([file], () => {
      contexts.invalidate();
      hub.reload();
      alerts.reload();
      reloads++;
    });
    try {
      hub.subscribe('timeline', context, ref);
      alerts.start([{ context, ...ref }]);
      await waitUntil(
        'first listing',
        () => (hub.history(context).ready && alerts.deployments().length === 1) || undefined,
        {
          timeoutMs: 30_000,
        },
      );
      const oldClient = contexts.client(context);
      const oldHistory = hub.history(context);
      assert.equal(oldHistory.runningWatches, 2, 'results and Events watched');
      assert.equal(alerts.runningWatches, 1);

      // 1. The file is replaced (written elsewhere, renamed over it) with one more context.
      const doc = parse(fs.readFileSync(file, 'utf8')) as KubeconfigDoc;
      doc.contexts.push({ name: 'added', context: { ...doc.contexts[0].context } });
      const next = `${file}.new`;
      fs.writeFileSync(next, stringify(doc), { mode: 0o600 });
      fs.renameSync(next, file);
      await waitUntil('the reload', () => reloads >= 1 || undefined, { timeoutMs: 10_000 });
      assert.ok(contexts.snapshot().contexts.includes('added'), 'the new kubeconfig is read');
      assert.notEqual(contexts.client(context), oldClient, 'a new client');
      assert.notEqual(hub.history(context), oldHistory, 'a new history');
      assert.deepEqual(hub.keys(), ['timeline'], 'the live timeline is subscribed again');
      await waitUntil('the old watches ended', () => oldHistory.runningWatches === 0 || undefined, {
        timeoutMs: 10_000,
      });
      assert.equal(hub.runningWatches, 2, 'results and Events watched through the new client');
      assert.equal(alerts.runningWatches, 1, 'the alerts watch runs once, on the new client');

      // Events, results and the status arrive through the new watches.
      const started = Date.now();
      const outcome = await runRequest(admin, ref, 'deploy');
      assert.equal(outcome.commandError, '');
      const seen = await waitUntil(
        'the deploy in the reloaded timeline and in the alerts watch',
        async () => {
          const kd = await getDeployment(admin, ref);
          const entries = hub.history(context).timeline(kd);
          const result = entries.find((e): e is ResultEntry => e.kind === 'result' && e.id === outcome.resultId);
          const event = entries.find(
            (e): e is EventEntry =>
              e.kind === 'event' && e.time.getTime() >= started - 2000 && /deploy/i.test(e.message),
          );
          const watched = alerts.deployments()[0]?.kd.status?.deployRequestResult?.resultId === outcome.resultId;
          return result && event && watched ? { result, event } : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      assert.equal(seen.result.command, 'deploy');

      // 2. The file is rewritten in place: the user's entry renamed (new credentials name), the contexts follow.
      const doc2 = parse(fs.readFileSync(file, 'utf8')) as KubeconfigDoc;
      const oldUser = doc2.users[0].name;
      doc2.users[0].name = `${oldUser}-rotated`;
      for (const c of doc2.contexts) if (c.context.user === oldUser) c.context.user = `${oldUser}-rotated`;
      const before = reloads;
      const clientBefore = contexts.client(context);
      const historyBefore = hub.history(context);
      fs.writeFileSync(file, stringify(doc2));
      await waitUntil('the second reload', () => reloads > before || undefined, { timeoutMs: 10_000 });
      assert.notEqual(contexts.client(context), clientBefore);
      await waitUntil('the watches of the second client ended', () => historyBefore.runningWatches === 0 || undefined, {
        timeoutMs: 10_000,
      });
      await waitUntil('listed again', () => hub.history(context).ready || undefined, { timeoutMs: 30_000 });
      const kd = await getDeployment(admin, ref);
      last = hub.history(context);
      assert.ok(
        last.results(kd).some((r) => r.id === outcome.resultId),
        'the results are listed through the third client',
      );
    } finally {
      unwatch();
      hub.dispose();
      alerts.dispose();
    }
    await waitUntil(
      'every watch ended',
      () => (last.runningWatches === 0 && alerts.runningWatches === 0) || undefined,
      {
        timeoutMs: 10_000,
      },
    );
  });
});
