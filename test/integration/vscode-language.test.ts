import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFiles } from '../harness/files.js';
import { INSIGHT_PROJECT } from '../harness/insight-project.js';
import { REPO_ROOT } from '../harness/paths.js';
import { ensureCodeServer, formatResults, runExtensionTests } from '../vscode/driver.js';

/**
 * Issue #18 in a real VS Code (code-server + chromium): runs the extension-host suite
 * test/vscode/exthost/language.test.ts on a workspace holding the insight project. No cluster.
 */
describe('editor insight (diagnostics, hover, completion, definitions, variables, preview) in a real VS Code @integration @vscode', function () {
  this.timeout(15 * 60_000);
  let workspace: string;

  before(function () {
    this.timeout(30 * 60_000);
    ensureCodeServer();
    for (const args of [['esbuild.mjs'], [path.join('test', 'vscode', 'build-exthost.mjs')]])
      execFileSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'ignore' });
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-vscode-insight-'));
    writeFiles(workspace, INSIGHT_PROJECT);
  });
  after(() => {
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('passes test/vscode/exthost/language.test.ts', async () => {
    const run = await runExtensionTests({
      workspace,
      env: { KLUCTL_EXT_TEST_INSIGHT: workspace, EXT_TEST_GREP: 'issue #18' },
      // This VS Code saves after a second by default (files.autoSave 'afterDelay'): the tests of unsaved buffers
      // (typing, File: Revert) need the buffer to stay unsaved until they save it.
      settings: { 'files.autoSave': 'off' },
      artifactsDir: path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'language'),
      timeoutMs: 600_000,
    });
    const results = run.results!;
    process.stdout.write(`${formatResults(results).replace(/^/gm, '      ')}\n`);
    assert.equal(results.failed, 0, results.failures.map((f) => `${f.title}: ${f.error}`).join('\n'));
    assert.ok(results.passed >= 8, `${results.passed} passed`);
  });
});
