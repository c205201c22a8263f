import type { EngineRunner } from '../engine/worker/request.js';

/** Where one CLI invocation writes; tests pass buffers, main.ts the process streams. */
export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CliOptions {
  /** Ctrl-C: the command stops, reports what it did and ends with exit code 130. */
  signal?: AbortSignal;
  /** Where engine commands run: in this thread by default; kluctl-ts itself runs them in a worker (main.ts). */
  engine?: EngineRunner;
}

/** Exit code of a cancelled command (128 + SIGINT, as shells report it). */
export const CANCELLED_EXIT_CODE = 130;
