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

/**
 * The engine a command runs on. The in-process one is imported only when it is used (tests): kluctl-ts passes its
 * worker, and its main thread then never initialises the engine's modules, which its worker loads meanwhile.
 */
export async function engineOf(options: CliOptions): Promise<EngineRunner> {
  return options.engine ?? (await import('../engine/worker/request.js')).inProcessEngine;
}

/** Exit code of a cancelled command (128 + SIGINT, as shells report it). */
export const CANCELLED_EXIT_CODE = 130;
