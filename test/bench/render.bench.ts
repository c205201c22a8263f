import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderProject } from '../../src/engine/render/index.js';
import { runKluctl } from '../harness/kluctl.js';
import { KLUCTL_EXAMPLES, REPO_ROOT } from '../harness/paths.js';
import { writeFiles } from '../harness/files.js';

/**
 * `kluctl render` (the real kluctl, a new process each time) against `kluctl-ts render` (a new Node process, and the
 * warm in-process API), offline, on a small example and on a synthetic project of 200 items / 2,000 objects.
 */
export async function benchRender(): Promise<Array<[string, string]>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-bench-render-'));
  try {
    const synthetic = writeSyntheticProject(path.join(dir, 'synthetic'), 200, 10);
    const simple = path.join(dir, 'simple');
    fs.cpSync(path.join(KLUCTL_EXAMPLES, 'simple'), simple, { recursive: true });
    const rows: Array<[string, string]> = [];
    for (const [name, project, target] of [
      ['simple example (3 objects)', simple, 'simple'],
      ['synthetic (200 items, 2,000 objects)', synthetic, 'bench'],
    ] as const) {
      const args = ['render', '--print-all', '--offline-kubernetes', '-t', target, '--project-dir', project];
      const kluctl = await median(3, async () => {
        const run = await runKluctl(args, { kubeconfig: path.join(dir, 'no-kubeconfig') });
        if (run.code !== 0) throw new Error(`kluctl render failed: ${run.stderr}`);
      });
      const cli = await median(3, () => runNode([path.join(REPO_ROOT, 'dist', 'cli.cjs'), ...args]));
      const first = await renderProject({ projectDir: project, target, offline: true });
      const expected = name.startsWith('synthetic') ? 2000 : 3;
      if (first.objects.length !== expected) throw new Error(`${name}: rendered ${first.objects.length} objects, expected ${expected}`);
      const warm = await median(3, async () => void (await renderProject({ projectDir: project, target, offline: true })));
      rows.push([`${name}: kluctl render (process)`, `${kluctl.toFixed(0)} ms`]);
      rows.push([`${name}: kluctl-ts render (process)`, `${cli.toFixed(0)} ms (${(kluctl / cli).toFixed(1)}× faster)`]);
      rows.push([`${name}: renderProject() warm`, `${warm.toFixed(0)} ms (${(kluctl / warm).toFixed(1)}× faster)`]);
    }
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeSyntheticProject(dir: string, items: number, perItem: number): string {
  const write = (file: string, text: string): void => writeFiles(dir, { [file]: text });
  write('.kluctl.yaml', 'discriminator: bench-{{ target.name }}\ntargets:\n  - name: bench\n    args:\n      env: bench\nargs:\n  - name: env\n');
  write('deployment.yaml', `deployments:\n${Array.from({ length: items }, (_, i) => `  - path: item-${i}\n`).join('')}`);
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

async function median(times: number, run: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(times / 2)];
}

function runNode(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 256 * 1024 * 1024 }, (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()));
  });
}
