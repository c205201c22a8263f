import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { workerEngine } from '../../src/engine/worker/client.js';
import { buildEngineWorker } from '../harness/engine-projects.js';
import { medianOf, ms, type BenchRow } from './measure.js';
import { writeSyntheticProject } from './render.bench.js';

/**
 * Issue #18: how long after a save the editor has the diagnostics of the synthetic project (200 items, 2,000
 * objects): the `analyze` engine command in a fresh engine worker (what the extension runs on save: worker start,
 * project and vars with provenance, the full offline render). Target ≤ 300 ms.
 */
export async function benchInsight(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-bench-insight-'));
  try {
    const project = writeSyntheticProject(path.join(dir, 'synthetic'), 200, 10);
    const engine = workerEngine({ workerFile: await buildEngineWorker(path.join(dir, 'engine-worker.cjs')) });
    const analyze = async (expectErrors: number) => {
      const a = await engine.run({ command: 'analyze', options: { projectDir: project, target: 'bench' } });
      if (a.diagnostics.length !== expectErrors)
        throw new Error(
          `analysis: ${a.diagnostics.length} diagnostics, expected ${expectErrors}: ${JSON.stringify(a.diagnostics)}`,
        );
      return a;
    };
    const clean = await medianOf(5, async () => {
      fs.utimesSync(path.join(project, 'item-0', 'cm-0.yaml'), new Date(), new Date()); // "saved"
      const a = await analyze(0);
      if (a.objects !== 2000) throw new Error(`analysis rendered ${a.objects} objects`);
    });
    const file = path.join(project, 'item-100', 'cm-0.yaml');
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace('{{ args.env }}', '{{ args.nope }}'));
    const broken = await medianOf(5, async () => void (await analyze(1)));
    fs.writeFileSync(file, good);
    return [
      {
        area: 'editor',
        measure: 'diagnostics after a save, 2,000 objects, no problem (worker; target ≤ 300 ms)',
        ours: ms(clean.ms),
      },
      {
        area: 'editor',
        measure: 'diagnostics after a save, 2,000 objects, an undefined variable (worker)',
        ours: ms(broken.ms),
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('insight.bench.js'))
  void benchInsight().then((rows) => console.log(rows.map((r) => `${r.measure}: ${r.ours}`).join('\n')));
