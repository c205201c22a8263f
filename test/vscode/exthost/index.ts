/**
 * The test runner VS Code loads INSIDE the extension host (`extensionTestsPath`): it runs mocha over every
 * test/vscode/exthost/**\/*.test.ts suite and writes the outcome to $EXT_TEST_RESULTS for the driver.
 * VS Code calls run(): resolved => exit code 0, rejected => 1.
 *
 * The extension host require()s this file, and the package is `"type": "module"`, so the runner and the suites are
 * bundled to CommonJS by build-exthost.mjs (out/exthost/index.cjs; `vscode` and `mocha` stay external).
 */
import * as fs from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { suites } from 'exthost:suites';
import { RESULTS_ENV, type ExtHostTestOutcome, type ExtHostTestResults } from '../results.js';

/** Per test; suites that talk to a real cluster or controller can ask for more with this.timeout(). */
const TEST_TIMEOUT_MS = 120_000;

export async function run(): Promise<void> {
  const started = Date.now();
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: TEST_TIMEOUT_MS, reporter: 'spec' });
  const grep = process.env.EXT_TEST_GREP;
  if (grep) mocha.grep(grep);

  // What `mocha.loadFiles()` does for files on disk, for the bundled suites: install the bdd globals, load, settle.
  // A suite that fails to load is reported as a failed test, and the others still run.
  const tests: ExtHostTestOutcome[] = [];
  const { EVENT_FILE_PRE_REQUIRE, EVENT_FILE_REQUIRE, EVENT_FILE_POST_REQUIRE } = Mocha.Suite.constants;
  for (const suite of suites) {
    mocha.suite.emit(EVENT_FILE_PRE_REQUIRE, globalThis, suite.file, mocha);
    try {
      const exports = await suite.load();
      mocha.suite.emit(EVENT_FILE_REQUIRE, exports, suite.file, mocha);
    } catch (error) {
      tests.push({
        title: `loading ${suite.file}`,
        state: 'failed',
        error: mapStack((error as Error)?.stack ?? String(error)),
      });
    }
    mocha.suite.emit(EVENT_FILE_POST_REQUIRE, globalThis, suite.file, mocha);
  }

  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test) =>
      tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration }),
    );
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test) =>
      tests.push({ title: test.fullTitle(), state: 'pending' }),
    );
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, error: Error) =>
      tests.push({
        title: test.fullTitle(),
        state: 'failed',
        durationMs: test.duration,
        error: mapStack(error?.stack ?? String(error)),
      }),
    );
  });

  const failed = tests.filter((t) => t.state === 'failed');
  const results: ExtHostTestResults = {
    passed: tests.filter((t) => t.state === 'passed').length,
    failed: failed.length,
    pending: tests.filter((t) => t.state === 'pending').length,
    failures: failed.map((t) => ({ title: t.title, error: t.error ?? '' })),
    tests,
    vscodeVersion: vscode.version,
    nodeVersion: process.version,
    durationMs: Date.now() - started,
  };
  const resultsFile = process.env[RESULTS_ENV];
  if (resultsFile) {
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  }
  if (failures > 0 || failed.length > 0)
    throw new Error(`${Math.max(failures, failed.length)} extension-host test(s) failed`);
  if (results.passed === 0)
    throw new Error(
      `no extension-host test ran (${suites.length} suite file(s) loaded${grep ? `, grep ${grep}` : ''})`,
    );
}

const sourceMaps = new Map<string, SourceMap | null>();

/**
 * Points the stack frames of the bundle back at the .ts sources. (The extension host installs its own
 * Error.prepareStackTrace, so Node's --enable-source-maps does not apply there.)
 */
function mapStack(stack: string): string {
  return stack.replace(/(\/[^\s():]+\.c?js):(\d+):(\d+)/g, (frame, file: string, line: string, column: string) => {
    let map = sourceMaps.get(file);
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
      } catch {
        map = null;
      }
      sourceMaps.set(file, map);
    }
    const entry = map?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return frame;
    const source = path.resolve(path.dirname(file), entry.originalSource.replace(/^file:\/\//, ''));
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
