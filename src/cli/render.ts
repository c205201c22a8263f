/** `kluctl-ts render`: kluctl's render command on the bundled engine. */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { printAll, renderProject } from '../engine/render/index.js';
import type { FixedImage } from '../engine/project/types.js';
import { flagsHelp, parseFlags, UsageError, type FlagSpec } from './flags.js';
import type { CliStreams } from './run.js';

const FLAGS: FlagSpec[] = [
  { name: 'project-dir', kind: 'string', help: 'Project directory (default: the current directory)' },
  { name: 'project-config', short: 'c', kind: 'string', help: 'Location of the .kluctl.yaml config file' },
  { name: 'target', short: 't', kind: 'string', help: 'Target name to run the command for' },
  { name: 'target-name-override', short: 'T', kind: 'string', help: 'Overrides the target name' },
  { name: 'context', kind: 'string', help: 'Overrides the context name specified in the target' },
  { name: 'kubeconfig', kind: 'string', help: 'Overrides the kubeconfig to use' },
  { name: 'arg', short: 'a', kind: 'list', help: 'Passes a template argument in the form of name=value' },
  { name: 'args-from-file', kind: 'list', help: 'Loads a YAML file with arguments' },
  { name: 'fixed-image', short: 'F', kind: 'list', help: 'Pin an image: image[:namespace[:deployment[:container]]]=result' },
  { name: 'fixed-images-file', kind: 'string', help: 'Use fixed images from this file' },
  { name: 'include-tag', short: 'I', kind: 'list', help: 'Include deployments with given tag' },
  { name: 'exclude-tag', short: 'E', kind: 'list', help: 'Exclude deployments with given tag' },
  { name: 'include-deployment-dir', kind: 'list', help: 'Include deployment dir (relative to the Git root)' },
  { name: 'exclude-deployment-dir', kind: 'list', help: 'Exclude deployment dir (relative to the Git root)' },
  { name: 'discriminator', kind: 'string', help: 'Override the target discriminator' },
  { name: 'offline-kubernetes', kind: 'bool', help: 'Run without a Kubernetes cluster' },
  { name: 'kubernetes-version', kind: 'string', help: 'Kubernetes version for Helm when offline' },
  { name: 'render-output-dir', kind: 'string', help: 'Directory to render into (default: a temp dir)' },
  { name: 'print-all', kind: 'bool', help: 'Write all rendered manifests to stdout' },
  { name: 'help', short: 'h', kind: 'bool', help: 'Show this help' },
];

export const RENDER_USAGE = `Usage: kluctl-ts render [flags]

Renders all resources and configuration files and stores the result in either a temporary directory or a
specified directory.

Flags:
${flagsHelp(FLAGS)}
`;

/** `image[:namespace[:deployment[:container]]]=result`, as kluctl's -F. */
export function parseFixedImage(text: string): FixedImage {
  const eq = text.indexOf('=');
  if (eq < 0) throw new UsageError(`invalid --fixed-image ${text}: expected image=result`);
  const [image, namespace, deployment, container] = text.slice(0, eq).split(':');
  return { image, resultImage: text.slice(eq + 1), namespace: namespace || undefined, deployment: deployment || undefined, container: container || undefined };
}

export async function runRender(argv: string[], io: CliStreams, options: { env?: NodeJS.ProcessEnv; cwd?: string; signal?: AbortSignal } = {}): Promise<number> {
  let flags;
  try {
    const parsed = parseFlags(argv, FLAGS);
    if (parsed.positional.length) throw new UsageError(`unexpected argument ${parsed.positional[0]}`);
    flags = parsed.flags;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`kluctl-ts render: ${error.message}\n\n${RENDER_USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(RENDER_USAGE);
    return 0;
  }
  const str = (n: string) => flags[n] as string | undefined;
  const list = (n: string) => (flags[n] as string[] | undefined) ?? [];
  const cwd = options.cwd ?? process.cwd();
  let renderOutputDir = str('render-output-dir');
  if (!renderOutputDir && !flags['print-all']) renderOutputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendered-'));
  try {
    const result = await renderProject({
      projectDir: path.resolve(cwd, str('project-dir') ?? '.'),
      projectConfig: str('project-config') && path.resolve(cwd, str('project-config')!),
      target: str('target'),
      targetNameOverride: str('target-name-override'),
      context: str('context'),
      kubeconfig: str('kubeconfig'),
      args: list('arg'),
      argsFromFiles: list('args-from-file').map((f) => path.resolve(cwd, f)),
      env: options.env,
      fixedImages: list('fixed-image').map(parseFixedImage),
      fixedImagesFile: str('fixed-images-file') && path.resolve(cwd, str('fixed-images-file')!),
      inclusion: {
        includeTags: list('include-tag'),
        excludeTags: list('exclude-tag'),
        includeDeploymentDirs: list('include-deployment-dir'),
        excludeDeploymentDirs: list('exclude-deployment-dir'),
      },
      discriminator: str('discriminator'),
      offline: Boolean(flags['offline-kubernetes']),
      kubernetesVersion: str('kubernetes-version'),
      renderOutputDir: renderOutputDir && path.resolve(cwd, renderOutputDir),
      signal: options.signal,
    });
    for (const w of result.warnings) io.stderr.write(`Warning: ${w}\n`);
    if (flags['print-all']) io.stdout.write(printAll(result.objects));
    else io.stderr.write(`Rendered into ${result.renderDir}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`kluctl-ts render: ${error.message}\n\n${RENDER_USAGE}`);
      return 2;
    }
    io.stderr.write(`kluctl-ts render: ${(error as Error).message}\n`);
    return 1;
  }
}
