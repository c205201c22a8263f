import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deployProject, diffProject } from '../../src/engine/cluster/commands.js';
import { TestCluster } from '../harness/cluster.js';
import { writeFiles } from '../harness/files.js';
import { kluctlEnv } from '../harness/kluctl.js';
import { REPO_ROOT, testBinaries } from '../harness/paths.js';
import { performance } from 'node:perf_hooks';
import { faster, lessMemory, mib, ms, runMeasured, type BenchRow, type ProcessSample } from './measure.js';

const RUNS = 5;

/** The median time of the samples, with the largest peak memory seen. */
function median(xs: ProcessSample[]): ProcessSample {
  const rss = xs.map((x) => x.maxRssMiB).filter((x): x is number => x !== undefined);
  return {
    ms: [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)].ms,
    maxRssMiB: rss.length ? Math.max(...rss) : undefined,
  };
}

/**
 * `kluctl diff` against `kluctl-ts diff` on a real kube-apiserver: a project of 50 items / 500 ConfigMaps is
 * deployed, then 50 of them are edited locally, and both diff the same checkout (processes and the warm API, runs
 * alternated).
 */
export async function benchDiff(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-bench-diff-'));
  const cluster = await TestCluster.start({ workDir: path.join(dir, 'cluster') });
  try {
    const project = path.join(dir, 'project');
    writeProject(project, 50, 10, 'v1');
    const base = { projectDir: project, kubeconfig: cluster.kubeconfig };
    const deployed = await deployProject({ ...base, noWait: true });
    if (deployed.errors?.length) throw new Error(`deploy failed: ${JSON.stringify(deployed.errors)}`);
    writeProject(project, 50, 10, 'v2', 5);

    const args = ['diff', '--project-dir', project];
    const env = kluctlEnv(cluster.kubeconfig);
    const result = await diffProject(base);
    const changed = (result.objects ?? []).filter((o) => o.changes?.length).length;
    if (changed !== 50) throw new Error(`kluctl-ts diff found ${changed} changed objects, expected 50`);
    // Alternated (kluctl, kluctl-ts, warm API, kluctl, …), so that the load of a shared machine hits all alike.
    const samples: Record<'kluctl' | 'cli' | 'warm' | 'everyApply', ProcessSample[]> = {
      kluctl: [],
      cli: [],
      warm: [],
      everyApply: [],
    };
    const loadBefore = os.loadavg()[0];
    for (let i = 0; i < RUNS; i++) {
      samples.kluctl.push(await runMeasured(testBinaries('kluctl').kluctl, args, { env }));
      samples.cli.push(
        await runMeasured(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.cjs'), ...args], { env }),
      );
      const started = performance.now();
      await diffProject(base);
      samples.warm.push({ ms: performance.now() - started });
      // Without the no-op proof (noOpApply.ts): exactly kluctl's 501 applies.
      const again = performance.now();
      await diffProject({ ...base, sendEveryApply: true });
      samples.everyApply.push({ ms: performance.now() - again });
    }
    const [kluctl, cli, warm, everyApply] = [samples.kluctl, samples.cli, samples.warm, samples.everyApply].map(median);
    const load = `${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after (${os.cpus().length} CPUs)`;
    return [
      {
        area: 'diff',
        measure: `500 objects, 50 changed: process (median of ${RUNS}, alternated)`,
        kluctl: ms(kluctl.ms),
        ours: ms(cli.ms),
        ratio: faster(kluctl.ms, cli.ms),
      },
      {
        area: 'diff',
        measure: '500 objects: peak memory (process)',
        kluctl: mib(kluctl.maxRssMiB),
        ours: mib(cli.maxRssMiB),
        ratio: lessMemory(kluctl.maxRssMiB, cli.maxRssMiB),
      },
      {
        area: 'diff',
        measure: '500 objects: diffProject() warm',
        kluctl: ms(kluctl.ms),
        ours: ms(warm.ms),
        ratio: faster(kluctl.ms, warm.ms),
      },
      {
        area: 'diff',
        measure: '500 objects: diffProject() warm, --send-every-apply (no no-op proof)',
        kluctl: ms(kluctl.ms),
        ours: ms(everyApply.ms),
        ratio: faster(kluctl.ms, everyApply.ms),
      },
      { area: 'diff', measure: 'load average (1 min) around the diff runs', ours: load },
    ];
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeProject(dir: string, items: number, perItem: number, value: string, changedItems = 0): void {
  const files: Record<string, string> = {
    '.kluctl.yaml': 'discriminator: bench-diff\n',
    'deployment.yaml': `deployments:\n  - path: ns\n  - barrier: true\n${Array.from({ length: items }, (_, i) => `  - path: item-${i}\n`).join('')}`,
    'ns/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench-diff\n',
  };
  for (let i = 0; i < items; i++) {
    for (let j = 0; j < perItem; j++) {
      const v = i < changedItems ? value : 'v1';
      files[`item-${i}/cm-${j}.yaml`] =
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}-${j}\n  namespace: bench-diff\ndata:\n  value: "${v}"\n  config: |\n    line a\n    line ${v}\n    line c\n`;
    }
  }
  writeFiles(dir, files);
}
