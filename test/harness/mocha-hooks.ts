import { teardownShared } from './shared.js';

/** Runs once after all test files, pass or fail: ends every process the run started. */
export async function mochaGlobalTeardown(): Promise<void> {
  await teardownShared();
}
