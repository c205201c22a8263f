/** `kluctl-ts helm-pull` and `helm-update`: kluctl's commands for repository charts (network only, no worker). */

import * as path from 'node:path';
import { helmAuthProvider } from '../engine/helm/credentials.js';
import { helmPullCommand, helmUpdate } from '../engine/helm/helm-pull.js';
import { isCancelled } from '../util/errors.js';
import { flagsHelp, parseCommandFlags, type FlagSpec } from './flags.js';
import { RegistryClient } from '../engine/oci/client.js';
import { RegistryCredentials } from '../engine/oci/credentials.js';
import { HELM_CREDENTIAL_FLAGS, HELP_FLAG, helmCredentials, registryFlags, registryFlagSpecs } from './projectFlags.js';
import { CANCELLED_EXIT_CODE, type CliOptions, type CliStreams } from './streams.js';

const PROJECT_DIR: FlagSpec = {
  name: 'project-dir',
  kind: 'string',
  help: 'Project directory (default: the current directory)',
};

interface HelmCommand {
  summary: string;
  flags: FlagSpec[];
}

export const HELM_COMMANDS: Record<string, HelmCommand> = {
  'helm-pull': {
    summary: `Recursively searches for 'helm-chart.yaml' files and pre-pulls the specified Helm charts

Kluctl requires Helm Charts to be pre-pulled by default, which is handled by this command. It will collect
all required Charts and versions and pre-pull them into .helm-charts. To disable pre-pulling for individual charts,
set 'skipPrePull: true' in helm-chart.yaml.`,
    flags: [PROJECT_DIR, ...HELM_CREDENTIAL_FLAGS, ...registryFlagSpecs(), HELP_FLAG],
  },
  'helm-update': {
    summary: `Recursively searches for 'helm-chart.yaml' files and checks for new available versions

Optionally performs the actual upgrade and/or add a commit to version control.`,
    flags: [
      PROJECT_DIR,
      ...HELM_CREDENTIAL_FLAGS,
      ...registryFlagSpecs(),
      {
        name: 'upgrade',
        kind: 'bool',
        help: 'Write new versions into helm-chart.yaml and perform helm-pull afterwards',
      },
      { name: 'commit', kind: 'bool', help: 'Create a git commit for every updated chart' },
      HELP_FLAG,
    ],
  },
};

const usage = (name: string) =>
  `Usage: kluctl-ts ${name} [flags]\n\n${HELM_COMMANDS[name].summary}\n\nFlags:\n${flagsHelp(HELM_COMMANDS[name].flags)}\n`;

export async function runHelmCommand(
  name: string,
  argv: string[],
  io: CliStreams,
  options: CliOptions & { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  const flags = parseCommandFlags(name, argv, HELM_COMMANDS[name].flags, usage(name), io);
  if (typeof flags === 'number') return flags;
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  try {
    const common = {
      projectDir: path.resolve(cwd, (flags['project-dir'] as string | undefined) ?? '.'),
      auth: helmAuthProvider(helmCredentials(flags, cwd), env),
      registry: new RegistryClient({ credentials: new RegistryCredentials(registryFlags(flags, cwd), env) }),
      signal: options.signal,
      log: (line: string) => void io.stderr.write(`${line}\n`),
    };
    if (name === 'helm-pull') await helmPullCommand(common);
    else await helmUpdate({ ...common, upgrade: !!flags.upgrade, commit: !!flags.commit });
    return 0;
  } catch (error) {
    if (isCancelled(error) || options.signal?.aborted) {
      io.stderr.write(`kluctl-ts ${name}: cancelled\n`);
      return CANCELLED_EXIT_CODE;
    }
    io.stderr.write(`kluctl-ts ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}
