import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT } from '../harness/paths.js';
import {
  DEFAULT_TESTS_BUNDLE,
  createTestWorkspace,
  ensureCodeServer,
  formatResults,
  runExtensionTests,
  withWorkbench,
} from '../vscode/driver.js';
import { openKluctlView, screenshot } from '../vscode/ui.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const CODE_SHIM = path.join(REPO_ROOT, 'test', 'vscode', 'code-shim.mjs');

/** Runs a build step; its output is shown only when it fails. */
function build(what: string, command: string, args: string[]): void {
  try {
    execFileSync(command, args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 5 * 60_000,
    });
  } catch (error) {
    const e = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${what} failed (${command} ${args.join(' ')}): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: error,
    });
  }
}

describe('the extension in a real VS Code (code-server 4.139.1, chromium) @integration @vscode', function () {
  this.timeout(10 * 60_000);
  let workspace: string;

  before(function () {
    this.timeout(30 * 60_000); // a fresh machine installs code-server first (~2.5 min)
    ensureCodeServer();
    build('bundling the extension-host suites', process.execPath, [path.join('test', 'vscode', 'build-exthost.mjs')]);
    build('bundling the extension', process.execPath, ['esbuild.mjs']);
    workspace = createTestWorkspace();
  });

  after(() => {
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('passes the extension-host suites (test/vscode/exthost) inside VS Code', async () => {
    const run = await runExtensionTests({
      workspace,
      artifactsDir: path.join(ARTIFACTS, 'vscode', 'exthost'),
      timeoutMs: 5 * 60_000,
    });
    assert.ok(run.results, 'results');
    console.log(
      `${formatResults(run.results).replace(/^/gm, '      ')}\n      (${(run.durationMs / 1000).toFixed(1)}s; host log ${path.relative(REPO_ROOT, run.hostLog)})`,
    );
    assert.equal(
      run.results.failed,
      0,
      `failures:\n${run.results.failures.map((f) => `${f.title}: ${f.error}`).join('\n')}`,
    );
    assert.equal(run.exitCode, 0, 'extension host exit code');
    assert.ok(run.results.passed >= 1, 'at least one extension-host test passed');
    // The smoke workspace names no kubeconfig, so the "no cluster contact before the view opens" check must run
    // here: a skip (it skips itself where a workspace setting names one) would hide a regression.
    const activation = run.results.tests.filter((t) => t.title.startsWith('activation without cluster traffic '));
    assert.ok(
      activation.length >= 1 && activation.every((t) => t.state === 'passed'),
      `the activation check ran and passed: ${activation.map((t) => `${t.state} ${t.title}`).join('; ') || 'missing'}`,
    );
    assert.match(run.results.vscodeVersion, /^1\.139\./);
  });

  it('shows the Kluctl activity-bar item and its Deployments view (screenshot)', async () => {
    await withWorkbench({ workspace, artifactsDir: path.join(ARTIFACTS, 'vscode', 'ui') }, async ({ page }) => {
      await openKluctlView(page);
      assert.match(await page.title(), /Extension Development Host/);
      const file = await screenshot(page, 'activitybar.png');
      console.log(`      screenshot: ${path.relative(REPO_ROOT, file)}`);
    });
  });

  it('packages a VSIX that installs into VS Code and shows the Kluctl activity-bar item', async () => {
    const dir = path.join(ARTIFACTS, 'vscode', 'vsix');
    const vsix = path.join(dir, 'kluctl-gitops.vsix');
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(vsix, { force: true });
    // The bundles come from esbuild, so no node_modules go in (--no-dependencies); no network is needed.
    build('vsce package', path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce'), [
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--no-rewrite-relative-links',
      '--skip-license',
      '--out',
      vsix,
    ]);
    assert.ok(fs.statSync(vsix).size > 0, 'the .vsix was written');
    await withWorkbench({ workspace, vsix, artifactsDir: dir }, async ({ page }) => {
      const installed = fs.readdirSync(path.join(dir, 'state', 'extensions'));
      assert.ok(
        installed.some((e) => e.startsWith('kluctl-tools.kluctl-gitops-')),
        `installed: ${installed.join(', ')}`,
      );
      await openKluctlView(page);
      // The installed copy, not a development folder.
      assert.doesNotMatch(await page.title(), /Extension Development Host/);
      const file = await screenshot(page, 'vsix-activitybar.png');
      console.log(`      screenshot: ${path.relative(REPO_ROOT, file)}`);
    });
  });

  it("runs the same suites through @vscode/test-electron's runTests() and the code shim", async () => {
    const code = await runTests({
      vscodeExecutablePath: CODE_SHIM,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: DEFAULT_TESTS_BUNDLE,
      launchArgs: [workspace],
      extensionTestsEnv: { KLUCTL_VSCODE_ARTIFACTS: path.join(ARTIFACTS, 'vscode', 'shim') },
    });
    assert.equal(code, 0);
  });
});
