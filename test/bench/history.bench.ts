import { performance } from 'node:perf_hooks';
import { ResultIndex } from '../../src/gitops/history.js';
import { resultEntry } from '../../src/gitops/timeline.js';
import { RESULT_ANNOTATIONS, RESULT_LABELS } from '../../src/kluctl/results.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { BenchRow } from './measure.js';

/**
 * Memory of the timeline's result index with 1,000 deployments: the result Secrets' metadata as the metadata-only
 * watch delivers it (labels + the summary annotation, realistic sizes: target args, a few errors), fed in process.
 * Feeding 3× as many results shows the bound (the newest 20 per deployment are kept).
 */
export function benchHistory(deployments = 1000, perDeployment = 20): BenchRow[] {
  const heldFor = (results: number): { mib: number; ms: number; kept: number; index: ResultIndex } => {
    const before = settledHeap();
    const t = performance.now();
    const index = new ResultIndex();
    for (let r = 0; r < results; r++) for (let d = 0; d < deployments; d++) index.put(secret(d, r));
    const ms = performance.now() - t;
    return { mib: (settledHeap() - before) / 1024 / 1024, ms, kept: index.size, index };
  };
  const normal = heldFor(perDeployment);
  const more = heldFor(perDeployment * 3);
  const t = performance.now();
  let entries = 0;
  for (let d = 0; d < deployments; d++)
    for (const info of normal.index.infos([`kd:ns-${d % 10}/app-${d}`])) if (resultEntry(info)) entries++;
  const timelineMs = performance.now() - t;
  const what = `${deployments} deployments`;
  return [
    {
      area: 'timeline',
      measure: `${what} × ${perDeployment} results (metadata-only watch): heap held by the result index`,
      ours: `${normal.mib.toFixed(1)} MiB (${normal.kept} results, ingested in ${normal.ms.toFixed(0)} ms)`,
    },
    {
      area: 'timeline',
      measure: `${what} × ${perDeployment * 3} results fed: heap held (bounded at ${perDeployment} each)`,
      ours: `${more.mib.toFixed(1)} MiB (${more.kept} results kept)`,
    },
    {
      area: 'timeline',
      measure: `${what}: result entries of every timeline`,
      ours: `${timelineMs.toFixed(0)} ms (${entries} entries)`,
    },
  ];
}

function secret(d: number, r: number): KubeObject {
  const id = `${d.toString(16).padStart(8, '0')}-0000-4000-8000-${r.toString(16).padStart(12, '0')}`;
  const time = new Date(Date.UTC(2026, 10, 1, 0, 0, r)).toISOString();
  const ref = { kind: 'Deployment', name: `web-${r}`, namespace: `ns-${d % 10}`, group: 'apps', version: 'v1' };
  return {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadata',
    metadata: {
      name: `cr-deploy-${id}`,
      namespace: 'kluctl-results',
      uid: id,
      resourceVersion: `${d * 1000 + r}`,
      labels: {
        [RESULT_LABELS.isResult]: 'true',
        [RESULT_LABELS.commandResultId]: id,
        [RESULT_ANNOTATIONS.deploymentName]: `app-${d}`,
        [RESULT_ANNOTATIONS.deploymentNamespace]: `ns-${d % 10}`,
      },
      annotations: {
        [RESULT_ANNOTATIONS.projectRepoKey]: `git://github.com/acme/deploy-${d % 50}`,
        [RESULT_ANNOTATIONS.commandResultSummary]: JSON.stringify({
          id,
          reconcileId: id,
          projectKey: { repoKey: `git://github.com/acme/deploy-${d % 50}` },
          targetKey: { clusterId: 'c0ffee00-0000-4000-8000-000000000000', targetName: 'prod' },
          target: {
            name: 'prod',
            args: { env: 'prod', replicas: 3, features: Array.from({ length: 30 }, (_, i) => `f${i}`) },
          },
          commandInfo: { initiator: 'KluctlDeployment', command: 'deploy', startTime: time, endTime: time },
          gitInfo: {
            url: null,
            ref: { branch: 'main' },
            subDir: 'clusters/prod',
            commit: 'a'.repeat(40),
            dirty: false,
          },
          renderedObjects: 120,
          remoteObjects: 120,
          appliedObjects: 120,
          appliedHookObjects: 0,
          newObjects: r % 3,
          changedObjects: r % 5,
          orphanObjects: 0,
          deletedObjects: 0,
          errors: r % 7 === 0 ? [{ ref, message: 'timed out waiting for readiness '.repeat(5) }] : [],
          warnings: [{ ref, message: 'deprecated API' }],
          totalChanges: r % 5,
        }),
      },
    },
  };
}

function settledHeap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}
