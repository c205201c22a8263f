import { VERSION } from '../version.js';
import { runRender } from './render.js';

export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `Usage: kluctl-ts <command> [flags]

A Kluctl-compatible push-deploy engine (no kluctl binary needed).

Commands:
  render      Render a Kluctl project (like kluctl render)
  version     Print the version

Flags:
  -h, --help  Show this help
`;

/** Runs one CLI invocation and returns its exit code; all output goes to the given streams. */
export async function runCli(args: string[], io: CliStreams): Promise<number> {
  const [command] = args;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'version' || command === '--version') {
    io.stdout.write(`kluctl-ts ${VERSION}\n`);
    return 0;
  }
  if (command === 'render') return runRender(args.slice(1), io);
  io.stderr.write(`kluctl-ts: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}
