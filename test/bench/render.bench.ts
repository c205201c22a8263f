import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderProject } from '../../src/engine/render/render-project.js';
import { kluctlEnv } from '../harness/kluctl.js';
import { KLUCTL_EXAMPLES, REPO_ROOT, testBinaries } from '../harness/paths.js';
import { writeFiles } from '../harness/files.js';
import { faster, lessMemory, medianOf, mib, ms, runMeasured, type BenchRow } from './measure.js';

/**
 * `kluctl render` (the real kluctl, a new process each time) against `kluctl-ts render` (a new Node process, and the
 * warm in-process API), offline, on a small example and on a synthetic project of 200 items / 2,000 objects.
 */
export async function benchRender(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-bench-render-'));
  try {
    const synthetic = writeSyntheticProject(path.join(dir, 'synthetic'), 200, 10);
    const simple = path.join(dir, 'simple');
    fs.cpSync(path.join(KLUCTL_EXAMPLES, 'simple'), simple, { recursive: true });
    const bigConfigMap = writeBigConfigMapProject(path.join(dir, 'configmap-40k'), 40_000);
    const rows: BenchRow[] = [];
    for (const [name, project, target, expected] of [
      ['simple example (3 objects)', simple, 'simple', 3],
      ['synthetic (200 items, 2,000 objects)', synthetic, 'bench', 2000],
      // Issue 12: the duplicate-key check was quadratic (12 s); target under 3 s.
      ['ConfigMap with 40,000 keys (target < 3 s)', bigConfigMap, undefined, 1],
    ] as const) {
      const args = [
        'render',
        '--print-all',
        '--offline-kubernetes',
        ...(target ? ['-t', target] : []),
        '--project-dir',
        project,
      ];
      const env = kluctlEnv(path.join(dir, 'no-kubeconfig'));
      const kluctl = await medianOf(3, () => runMeasured(testBinaries('kluctl').kluctl, args, { env }));
      const cli = await medianOf(3, () =>
        runMeasured(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.cjs'), ...args], { env }),
      );
      const first = await renderProject({ projectDir: project, target, offline: true });
      if (first.objects.length !== expected)
        throw new Error(`${name}: rendered ${first.objects.length} objects, expected ${expected}`);
      const warm = await medianOf(
        3,
        async () => void (await renderProject({ projectDir: project, target, offline: true })),
      );
      rows.push({
        area: 'render',
        measure: `${name}: process`,
        kluctl: ms(kluctl.ms),
        ours: ms(cli.ms),
        ratio: faster(kluctl.ms, cli.ms),
      });
      rows.push({
        area: 'render',
        measure: `${name}: peak memory (process)`,
        kluctl: mib(kluctl.maxRssMiB),
        ours: mib(cli.maxRssMiB),
        ratio: lessMemory(kluctl.maxRssMiB, cli.maxRssMiB),
      });
      rows.push({
        area: 'render',
        measure: `${name}: renderProject() warm`,
        kluctl: ms(kluctl.ms),
        ours: ms(warm.ms),
        ratio: faster(kluctl.ms, warm.ms),
      });
    }
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeBigConfigMapProject(dir: string, keys: number): string {
  const data = Array.from({ length: keys }, (_, i) => `  key-${i}: value-${i}\n`).join('');
  writeFiles(dir, {
    'deployment.yaml': 'deployments:\n  - path: app\n',
    'app/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: bench\ndata:\n${data}`,
  });
  return dir;
}

export function writeSyntheticProject(dir: string, items: number, perItem: number): string {
  const write = (file: string, text: string): void => writeFiles(dir, { [file]: text });
  write(
    '.kluctl.yaml',
    'discriminator: bench-{{ target.name }}\ntargets:\n  - name: bench\n    args:\n      env: bench\nargs:\n  - name: env\n',
  );
  write(
    'deployment.yaml',
    `deployments:\n${Array.from({ length: items }, (_, i) => `  - path: item-${i}\n`).join('')}`,
  );
  for (let i = 0; i < items; i++) {
    for (let j = 0; j < perItem; j++) {
      write(
        `item-${i}/cm-${j}.yaml`,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}-${j}\n  namespace: bench\ndata:\n  env: "{{ args.env }}"\n  index: "{{ ${i} * ${perItem} + ${j} }}"\n{% for k in range(3) %}\n  key-{{ k }}: "{{ (args.env ~ k) | upper }}"\n{% endfor %}\n`,
      );
    }
  }
  return dir;
}
