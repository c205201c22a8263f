/** `kluctl-ts list-targets` and `list-images`: kluctl's YAML listings of a project. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeenImage } from '../engine/postprocess/images.js';
import type { Target } from '../engine/project/types.js';
import { toGoYaml } from '../kluctl/yaml/go-yaml.js';
import { isCancelled } from '../util/errors.js';
import { flagsHelp, parseCommandFlags, type FlagSpec, type ParsedFlags } from './flags.js';
import { HELP_FLAG, PROJECT_FLAGS, projectOptions } from './projectFlags.js';
import { CANCELLED_EXIT_CODE, engineOf, type CliOptions, type CliStreams } from './streams.js';

const OUTPUT_FLAG: FlagSpec = {
  name: 'output',
  short: 'o',
  kind: 'list',
  help: 'Write the result to these files ("-" is stdout, the default)',
};

const TARGETS_FLAGS: FlagSpec[] = [
  PROJECT_FLAGS.find((f) => f.name === 'project-dir')!,
  PROJECT_FLAGS.find((f) => f.name === 'project-config')!,
  OUTPUT_FLAG,
  HELP_FLAG,
];

const IMAGES_FLAGS: FlagSpec[] = [
  ...PROJECT_FLAGS,
  { name: 'offline-kubernetes', kind: 'bool', help: 'Run without a Kubernetes cluster' },
  { name: 'kubernetes-version', kind: 'string', help: 'Kubernetes version for Helm when offline' },
  { name: 'simple', kind: 'bool', help: 'Output a simplified version of the images list' },
  OUTPUT_FLAG,
  HELP_FLAG,
];

interface ListCommand {
  flags: FlagSpec[];
  usage: string;
  run(
    flags: ParsedFlags,
    cwd: string,
    io: CliStreams,
    options: CliOptions & { env?: NodeJS.ProcessEnv },
  ): Promise<string>;
}

const COMMANDS: Record<'list-targets' | 'list-images', ListCommand> = {
  'list-targets': {
    flags: TARGETS_FLAGS,
    usage: 'Outputs a yaml list with all targets',
    async run(flags, cwd, io, options) {
      const config = flags['project-config'] as string | undefined;
      const engine = await engineOf(options);
      const loaded = await engine.run(
        {
          command: 'targets',
          options: {
            projectDir: path.resolve(cwd, (flags['project-dir'] as string | undefined) ?? '.'),
            projectConfig: config && path.resolve(cwd, config),
          },
        },
        { signal: options.signal },
      );
      for (const w of loaded.warnings) io.stderr.write(`Warning: ${w}\n`);
      return toGoYaml(loaded.targets.length ? loaded.targets.map(targetJson) : null);
    },
  },
  'list-images': {
    flags: IMAGES_FLAGS,
    usage:
      'Renders the target and outputs all images used via images.get_image(); the result is compatible with\n' +
      'the yaml files expected by --fixed-images-file.',
    async run(flags, cwd, io, options) {
      const engine = await engineOf(options);
      const result = await engine.run(
        {
          command: 'render',
          options: {
            ...projectOptions(flags, cwd, options.env),
            offline: Boolean(flags['offline-kubernetes']),
            kubernetesVersion: flags['kubernetes-version'] as string | undefined,
          },
        },
        { signal: options.signal },
      );
      for (const w of result.warnings) io.stderr.write(`Warning: ${w}\n`);
      const images = result.images.map((s) => imageJson(s, Boolean(flags.simple)));
      return toGoYaml(images.length ? { images } : {});
    },
  },
};

export const LIST_COMMANDS = Object.keys(COMMANDS);

export async function runListCommand(
  name: string,
  argv: string[],
  io: CliStreams,
  options: CliOptions & { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  const command = COMMANDS[name as keyof typeof COMMANDS];
  const usage = `Usage: kluctl-ts ${name} [flags]\n\n${command.usage}\n\nFlags:\n${flagsHelp(command.flags)}\n`;
  const flags = parseCommandFlags(name, argv, command.flags, usage, io);
  if (typeof flags === 'number') return flags;
  const cwd = options.cwd ?? process.cwd();
  try {
    const text = await command.run(flags, cwd, io, options);
    const outputs = (flags.output as string[] | undefined) ?? [];
    for (const out of outputs.length ? outputs : ['-']) {
      if (out === '-') io.stdout.write(text);
      else fs.writeFileSync(path.resolve(cwd, out), text);
    }
    return 0;
  } catch (error) {
    if (isCancelled(error)) {
      io.stderr.write(`kluctl-ts ${name}: cancelled\n`);
      return CANCELLED_EXIT_CODE;
    }
    io.stderr.write(`kluctl-ts ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** A target as kluctl's JSON encoding of `types.Target` has it (omitempty fields left out, `aws` always set). */
function targetJson(t: Target): Record<string, unknown> {
  const out: Record<string, unknown> = { name: t.name };
  if (t.context !== undefined) out.context = t.context;
  if (t.args !== undefined && t.args !== null) out.args = t.args;
  out.aws = t.aws ?? {};
  if (t.images?.length) out.images = t.images.map((f) => ({ ...f, resultImage: f.resultImage ?? '' }));
  if (t.discriminator) out.discriminator = t.discriminator;
  return out;
}

/** A seen image as kluctl's `types.FixedImage` (`--simple`: image and result only). */
function imageJson(s: SeenImage, simple: boolean): Record<string, unknown> {
  if (simple) return { image: s.image, resultImage: s.resultImage };
  return {
    image: s.image,
    resultImage: s.resultImage,
    ...(s.deployedImage !== undefined ? { deployedImage: s.deployedImage } : {}),
    namespace: s.namespace,
    object: s.object,
    deployment: s.deployment,
    container: s.container,
    ...(s.deployTags.length ? { deployTags: s.deployTags } : {}),
    deploymentDir: s.deploymentDir,
  };
}
