/**
 * The virtual module build-exthost.mjs generates at bundle time: one lazy loader per test/vscode/exthost/**\/*.test.ts,
 * so each suite's describe() calls run only after the runner has installed mocha's globals.
 */
declare module 'exthost:suites' {
  export interface ExtHostSuite {
    /** Repo-relative path of the suite file. */
    file: string;
    load(): Promise<unknown>;
  }
  export const suites: readonly ExtHostSuite[];
}
