import { VERSION } from '../version.js';
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

type Command = (name: string, argv: string[], io: CliStreams, options: CliOptions) => Promise<number>;

// Each command's module is imported when the command runs: a command then initialises only what it uses, and the
// main thread of an engine command (which runs in the worker dist/cli.cjs started) none of the engine.
const render: Command = async (_, argv, io, o) => (await import('./render.js')).runRender(argv, io, o);
const cluster: Command = async (n, argv, io, o) =>
  (await import('./clusterCommands.js')).runClusterCommand(n, argv, io, o);
const list: Command = async (n, argv, io, o) => (await import('./list.js')).runListCommand(n, argv, io, o);
const helm: Command = async (n, argv, io, o) => (await import('./helmCommands.js')).runHelmCommand(n, argv, io, o);

/** Every command but version and help (test/unit/cli-commands.test.ts keeps it in step with the modules' tables). */
export const COMMANDS: Readonly<Record<string, Command>> = {
  render,
  diff: cluster,
  deploy: cluster,
  prune: cluster,
  delete: cluster,
  validate: cluster,
  'list-targets': list,
  'list-images': list,
  'helm-pull': helm,
  'helm-update': helm,
};

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
  if (Object.hasOwn(COMMANDS, command)) return COMMANDS[command](command, args.slice(1), io, options);
  io.stderr.write(`kluctl-ts: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}
