/** `kluctl-ts render`: kluctl's render command on the bundled engine. */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isCancelled } from '../util/errors.js';
import { flagsHelp, parseCommandFlags, UsageError, type FlagSpec } from './flags.js';
import { HELP_FLAG, PROJECT_FLAGS, projectOptions } from './projectFlags.js';
import { CANCELLED_EXIT_CODE, engineOf, type CliOptions, type CliStreams } from './streams.js';

const FLAGS: FlagSpec[] = [
  ...PROJECT_FLAGS,
  { name: 'offline-kubernetes', kind: 'bool', help: 'Run without a Kubernetes cluster' },
  { name: 'kubernetes-version', kind: 'string', help: 'Kubernetes version for Helm when offline' },
  { name: 'render-output-dir', kind: 'string', help: 'Directory to render into (default: a temp dir)' },
  { name: 'print-all', kind: 'bool', help: 'Write all rendered manifests to stdout' },
  HELP_FLAG,
];

export const RENDER_USAGE = `Usage: kluctl-ts render [flags]

Renders all resources and configuration files and stores the result in either a temporary directory or a
specified directory.

Flags:
${flagsHelp(FLAGS)}
`;

export async function runRender(
  argv: string[],
  io: CliStreams,
  options: CliOptions & { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  const flags = parseCommandFlags('render', argv, FLAGS, RENDER_USAGE, io);
  if (typeof flags === 'number') return flags;
  const str = (n: string) => flags[n] as string | undefined;
  const cwd = options.cwd ?? process.cwd();
  let renderOutputDir = str('render-output-dir');
  if (!renderOutputDir && !flags['print-all']) renderOutputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendered-'));
  try {
    const engine = await engineOf(options);
    const result = await engine.run(
      {
        command: 'render',
        options: {
          ...projectOptions(flags, cwd, options.env),
          offline: Boolean(flags['offline-kubernetes']),
          kubernetesVersion: str('kubernetes-version'),
          renderOutputDir: renderOutputDir && path.resolve(cwd, renderOutputDir),
        },
        print: Boolean(flags['print-all']),
      },
      { signal: options.signal },
    );
    for (const w of result.warnings) io.stderr.write(`Warning: ${w}\n`);
    if (flags['print-all']) io.stdout.write(result.printed ?? '');
    else io.stderr.write(`Rendered into ${result.renderDir}\n`);
    return 0;
  } catch (error) {
    if (isCancelled(error)) {
      io.stderr.write('kluctl-ts render: cancelled\n');
      return CANCELLED_EXIT_CODE;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`kluctl-ts render: ${error.message}\n\n${RENDER_USAGE}`);
      return 2;
    }
    io.stderr.write(`kluctl-ts render: ${(error as Error).message}\n`);
    return 1;
  }
}
