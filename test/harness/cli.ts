import type { CliStreams } from '../../src/cli/streams.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a kluctl-ts CLI entry point in this process and captures its exit code and output. */
export async function captureCli(run: (io: CliStreams) => Promise<number>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    ({ write: (chunk: string | Uint8Array) => (add(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  const code = await run({ stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}
