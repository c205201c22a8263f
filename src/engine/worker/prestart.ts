/**
 * A worker the CLI's launcher (src/cli/launch.ts) starts before it loads the CLI bundle, handed to the CLI's
 * engine (workerEngine's `prestarted`) through a global: the two bundles then load in parallel. Kept apart from
 * client.ts so that the launcher, which must stay small, does not bundle the engine client.
 */

import type { Worker } from 'node:worker_threads';

/** The old-generation heap of the worker; what a render of a large real project needs fits easily. */
export const DEFAULT_ENGINE_MEMORY_MB = 1536;
/** The CLI's setting of that limit. */
export const ENGINE_MEMORY_ENV = 'KLUCTL_TS_MAX_MEMORY_MB';

export const PRESTARTED_WORKER = Symbol.for('kluctl-ts.prestartedEngineWorker');

export interface PrestartedWorker {
  worker: Worker;
  /** The memory limit it was started with. */
  limit: number;
}

/** The worker the launcher started, once: later callers get nothing. */
export function takePrestartedWorker(): PrestartedWorker | undefined {
  const g = globalThis as Record<symbol, PrestartedWorker | undefined>;
  const w = g[PRESTARTED_WORKER];
  delete g[PRESTARTED_WORKER];
  return w;
}
