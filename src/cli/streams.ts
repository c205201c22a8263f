/** Where one CLI invocation writes; tests pass buffers, main.ts the process streams. */
export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
