import * as os from 'node:os';
import { benchActivation } from './activation.bench.js';
import { benchDiff } from './diff.bench.js';
import { benchGitopsList } from './gitops-list.bench.js';
import { benchHistory } from './history.bench.js';
import { benchInsight } from './insight.bench.js';
import { benchIncremental } from './incremental.bench.js';
import type { BenchRow } from './measure.js';
import { benchRender } from './render.bench.js';

/** npm run bench: one Markdown table, every row measured in this run, kluctl and this project side by side. */
async function main(): Promise<void> {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const rows: BenchRow[] = [];
  for (const [name, bench] of [
    ['render', benchRender],
    ['incremental', benchIncremental],
    ['diff', benchDiff],
    ['tree', benchGitopsList],
    ['timeline', () => Promise.resolve(benchHistory())],
    ['editor', benchInsight],
    ['extension', benchActivation],
  ] as const) {
    // KLUCTL_BENCH=name,name runs only those.
    if (process.env.KLUCTL_BENCH && !process.env.KLUCTL_BENCH.split(',').includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    rows.push(...(await bench()));
  }
  rows.push({
    area: 'bench',
    measure: 'peak RSS of this bench process (in-process APIs)',
    ours: `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  });
  process.stdout.write(
    `Machine: ${machine}\nkluctl: v2.22.1 (built from the Go module proxy); kluctl-ts: this checkout` +
      // Node loads these certificates before it runs anything: every kluctl-ts process pays for it, kluctl does not.
      (process.env.NODE_EXTRA_CA_CERTS ? `\nNODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS})` : '') +
      `\n\n${table(rows)}`,
  );
}

function table(rows: BenchRow[]): string {
  const header = ['area', 'measure', 'kluctl', 'kluctl-ts / extension', 'ratio'];
  const cells = rows.map((r) => [r.area, r.measure, r.kluctl ?? '–', r.ours, r.ratio ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line), ''].join('\n');
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
