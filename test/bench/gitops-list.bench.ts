import type { BenchRow } from './measure.js';
import { performance } from 'node:perf_hooks';
import { deploymentsPath } from '../../src/gitops/deploymentApi.js';
import { DeploymentWatcher } from '../../src/gitops/deploymentWatcher.js';
import { matchesDeployment, normalizeGitUrl } from '../../src/kluctl/repoKey.js';
import { presentStatus } from '../../src/gitops/status.js';
import type { KluctlDeployment } from '../../src/kluctl/types.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { serverSideApply } from '../../src/kube/apply.js';
import { type KubeClient } from '../../src/kube/client.js';
import { type KubeList } from '../../src/kube/objects.js';
import { TestCluster } from '../harness/cluster.js';

/**
 * Lists 1,000 KluctlDeployments across 3 namespaces on a real kube-apiserver and measures what the tree needs:
 * the first list through the watcher, a raw list, and the status/detection model for all of them.
 */
export async function benchGitopsList(count = 1000, namespaces = 3): Promise<BenchRow[]> {
  const cluster = await TestCluster.start();
  try {
    const client = cluster.client(120_000);
    await seed(client, count, namespaces);

    const heapBefore = settledHeap();
    let t = performance.now();
    const watcher = new DeploymentWatcher(client);
    await new Promise<void>((resolve) => {
      const off = watcher.onDidChange(() => {
        if (watcher.state.kind === 'ready' && watcher.deployments.length >= count) {
          off();
          resolve();
        }
      });
      watcher.start();
    });
    const watcherMs = performance.now() - t;
    const heapWatcher = settledHeap() - heapBefore;
    watcher.stop();

    t = performance.now();
    const list = await client.requestJson<KubeList<KluctlDeployment>>({ path: deploymentsPath() });
    const listMs = performance.now() - t;

    const local = { repoKey: normalizeGitUrl('git@github.com:acme/deploy-7.git'), subDir: 'clusters/prod' };
    t = performance.now();
    const rounds = 20;
    let matched = 0;
    for (let i = 0; i < rounds; i++) {
      for (const kd of list.items) {
        presentStatus(kd);
        if (matchesDeployment(local, kd)) matched++;
      }
    }
    const modelMs = (performance.now() - t) / rounds;

    const what = `${list.items.length} KluctlDeployments in ${namespaces} namespaces`;
    return [
      {
        area: 'tree',
        measure: `${what}: first list through the watcher`,
        ours: `${watcherMs.toFixed(0)} ms (raw list ${listMs.toFixed(0)} ms)`,
      },
      {
        area: 'tree',
        measure: `${what}: status + detection model`,
        ours: `${modelMs.toFixed(1)} ms (${matched / rounds} matched)`,
      },
      {
        area: 'tree',
        measure: `${what}: heap held by the watcher`,
        ours: `${(heapWatcher / 1024 / 1024).toFixed(1)} MiB`,
      },
    ];
  } finally {
    await cluster.stop();
  }
}

async function seed(client: KubeClient, count: number, namespaces: number): Promise<void> {
  const mapper = new ResourceMapper(client);
  for (let n = 0; n < namespaces; n++) {
    await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}` } },
      { fieldManager: 'bench' },
    );
  }
  const batch = 25;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, k) => {
        const i = start + k;
        const ref = { namespace: `bench-${i % namespaces}`, name: `app-${i}` };
        await serverSideApply(
          client,
          mapper,
          {
            apiVersion: 'gitops.kluctl.io/v1beta1',
            kind: 'KluctlDeployment',
            metadata: ref,
            spec: {
              interval: '5m',
              target: 'prod',
              source: {
                git: {
                  url: `https://github.com/acme/deploy-${i % 50}.git`,
                  path: i % 2 ? 'clusters/prod' : 'clusters/dev',
                },
              },
            },
          },
          { fieldManager: 'bench' },
        );
        await client.requestJson({
          method: 'PATCH',
          path: `${deploymentsPath(ref.namespace, ref.name)}/status`,
          contentType: 'application/merge-patch+json',
          body: { status: realisticStatus(i) },
        });
      }),
    );
  }
}

function realisticStatus(i: number): Record<string, unknown> {
  const time = new Date(Date.UTC(2026, 10, 1, 12, 0, i % 60)).toISOString().replace('.000', '');
  return {
    observedGeneration: 1,
    observedCommit: `${i}`.padStart(40, 'a'),
    conditions: [
      {
        type: 'Ready',
        status: i % 7 ? 'True' : 'False',
        reason: i % 7 ? 'ReconciliationSucceeded' : 'DeployFailed',
        message: 'deploy succeeded',
        lastTransitionTime: time,
        observedGeneration: 1,
      },
    ],
    lastDriftDetectionResultMessage: i % 5 ? 'no drift' : '1 chg',
    lastObjectsHash: 'f'.repeat(64),
  };
}

/** Heap in use after a full collection (npm run bench runs Node with --expose-gc), so the difference is what is held. */
function settledHeap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}
