/**
 * The contract between the in-host runner (exthost/index.ts, bundled to out/exthost/index.cjs) and the driver
 * (driver.ts): the runner writes this JSON to the file named by $EXT_TEST_RESULTS, the driver reads it back.
 * Types and one constant only, so both sides can import it.
 */
export const RESULTS_ENV = 'EXT_TEST_RESULTS';

export type ExtHostTestState = 'passed' | 'failed' | 'pending';

export interface ExtHostTestOutcome {
  /** Full title, suites included. */
  title: string;
  state: ExtHostTestState;
  durationMs?: number;
  /** For failures: the assertion message and stack. */
  error?: string;
}

export interface ExtHostTestResults {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
  /** Every test in the order it finished (hooks that failed appear as failed "tests"). */
  tests: ExtHostTestOutcome[];
  /** `vscode.version` and `process.version` inside the extension host. */
  vscodeVersion: string;
  nodeVersion: string;
  durationMs: number;
}
