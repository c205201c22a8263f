import type { Context } from 'mocha';
import { leftovers } from './leaks.js';
import { requiredGroups, requiredSuiteProblems } from './required-suites.js';
import { teardownShared } from './shared.js';

/**
 * Root hooks (mocha `--require`). After the last test, pass or fail:
 * - ends every process the run started (the shared cluster, Git server, controller);
 * - fails the run if a required suite (required-suites.ts) was missing or skipped;
 * - fails the run if anything would keep Node alive or outlive it (a server, socket, watch, timer or child process):
 *   mocha runs without `--exit`, and this says what would have kept it from exiting.
 */
export const mochaHooks = {
  async afterAll(this: Context): Promise<void> {
    this.timeout(120_000);
    await teardownShared();

    const root = this.test?.parent;
    const problems = root ? requiredSuiteProblems(root, requiredGroups()) : [];

    // Mocha's own timer for this hook is the one live resource that belongs to the run itself.
    this.runnable().clearTimeout();
    const left = await leftovers({ timeoutMs: 10_000 });
    if (left.length > 0) problems.push(`still alive after the last test:\n  ${left.join('\n  ')}`);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  },
};
