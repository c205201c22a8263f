import * as os from 'node:os';
import { benchActivation } from './activation.bench.js';
import { benchGitopsList } from './gitops-list.bench.js';
import { benchRender } from './render.bench.js';

/** npm run bench: prints one Markdown table per benchmark, with the machine it ran on. */
async function main(): Promise<void> {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  process.stdout.write(`Machine: ${machine}\n\n`);
  process.stdout.write(table('GitOps: 1,000 KluctlDeployments on a real kube-apiserver', await benchGitopsList()));
  process.stdout.write(table('Extension start-up in VS Code 1.139 (code-server)', await benchActivation()));
  process.stdout.write(table('Render: kluctl v2.22.1 vs the bundled engine (offline)', await benchRender()));
}

function table(title: string, rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length), 'measure'.length);
  const lines = rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`);
  return [`### ${title}`, '', `| ${'measure'.padEnd(width)} | value |`, `|${'-'.repeat(width + 2)}|-------|`, ...lines, ''].join('\n') + '\n';
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
