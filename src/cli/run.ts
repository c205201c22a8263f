import { VERSION } from '../version.js';
import { CLUSTER_COMMANDS, runClusterCommand } from './clusterCommands.js';
import { LIST_COMMANDS, runListCommand } from './list.js';
import { runRender } from './render.js';
import { HELM_COMMANDS, runHelmCommand } from './helmCommands.js';
import type { CliOptions, CliStreams } from './streams.js';

const USAGE = `Usage: kluctl-ts <command> [flags]

A Kluctl-compatible push-deploy engine (no kluctl binary needed).

Commands:
  render        Render a Kluctl project (like kluctl render)
  diff          Diff the rendered project against the cluster (dry-run apply)
  deploy        Deploy the project to its cluster
  prune         Delete orphaned objects from the cluster
  delete        Delete the project's objects from the cluster
  validate      Check that the deployed objects exist and are ready
  list-targets  Print the targets of .kluctl.yaml as YAML (like kluctl list-targets)
  list-images   Print the images used via images.get_image() (like kluctl list-images)
  helm-pull     Pre-pull the project's Helm charts into .helm-charts
  helm-update   Check for new versions of the project's Helm charts (--upgrade, --commit)
  version       Print the version

Flags:
  -h, --help  Show this help
`;

/** Runs one CLI invocation and returns its exit code; all output goes to the given streams. */
export async function runCli(args: string[], io: CliStreams, options: CliOptions = {}): Promise<number> {
  const [command] = args;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'version' || command === '--version') {
    io.stdout.write(`kluctl-ts ${VERSION}\n`);
    return 0;
  }
  if (command === 'render') return runRender(args.slice(1), io, options);
  if (LIST_COMMANDS.includes(command)) return runListCommand(command, args.slice(1), io, options);
  if (Object.hasOwn(HELM_COMMANDS, command)) return runHelmCommand(command, args.slice(1), io, options);
  if (command in CLUSTER_COMMANDS) return runClusterCommand(command, args.slice(1), io, options);
  io.stderr.write(`kluctl-ts: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}
