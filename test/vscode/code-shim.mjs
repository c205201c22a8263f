#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }) (and
// @vscode/test-cli's useInstallation.fromPath): it takes the arguments VS Code desktop would get,
//   [workspace folder] --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [other flags, ignored]
// and runs the tests with the driver (code-server + headless chromium), exiting with their code.
// Needs the compiled driver (npx tsc -p .). Env: KLUCTL_VSCODE_ARTIFACTS (default: a temp dir), KLUCTL_VSCODE_VERBOSE=1,
// KLUCTL_VSCODE_TIMEOUT_MS. The extension host inherits this process's environment (runTests' extensionTestsEnv).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const driverPath = path.join(root, 'out', 'test', 'vscode', 'driver.js');

const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
// Positional arguments are folders or files to open; the first existing folder is the workspace.
const workspaceArg = args.find((a) => !a.startsWith('-') && fs.statSync(a, { throwIfNoEntry: false })?.isDirectory());

if (!fs.existsSync(driverPath)) {
  console.error(`code-shim: ${driverPath} is missing; compile first (npx tsc -p .)`);
  process.exit(2);
}
const testsPath = flag('extensionTestsPath');
if (!testsPath) {
  console.error('code-shim: only test runs are supported: pass --extensionTestsPath=FILE');
  process.exit(2);
}

const driver = await import(pathToFileURL(driverPath).href);
const workspace = workspaceArg ? path.resolve(workspaceArg) : driver.createTestWorkspace(); // temp: removed at exit
try {
  const run = await driver.runExtensionTests({
    workspace,
    extensionDevelopmentPath: flag('extensionDevelopmentPath') ?? root,
    testsBundle: testsPath,
    artifactsDir: process.env.KLUCTL_VSCODE_ARTIFACTS,
    timeoutMs: process.env.KLUCTL_VSCODE_TIMEOUT_MS ? Number(process.env.KLUCTL_VSCODE_TIMEOUT_MS) : undefined,
    // A foreign runner (e.g. @vscode/test-cli's) writes no results file; its exit code decides then.
    allowMissingResults: true,
  });
  if (run.results) console.log(driver.formatResults(run.results));
  else console.log(`code-shim: the runner wrote no results file; exit code ${run.exitCode}`);
  process.exitCode = run.exitCode === 0 && (run.results?.failed ?? 0) === 0 ? 0 : 1;
} catch (error) {
  console.error(`code-shim: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
