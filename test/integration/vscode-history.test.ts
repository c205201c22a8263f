import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getDeployment } from '../../src/gitops/deploymentApi.js';
import { configureIdentity, gitAsync } from '../harness/git-server.js';
import { REPO_ROOT } from '../harness/paths.js';
import { waitUntil } from '../harness/processes.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { ensureCodeServer, formatResults, runExtensionTests, withWorkbench } from '../vscode/driver.js';
import { openKluctlView, screenshot } from '../vscode/ui.js';
import { createDeployment } from './helpers/gitopsProject.js';

/** One project, deployed twice with different args (a suffix in names and discriminator). */
function files(namespace: string): Record<string, string> {
  const cm = (name: string, data: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-{{ args.suffix }}\n  namespace: ${namespace}\ndata:\n  ${data}\n`;
  return {
    '.kluctl.yaml': `discriminator: history-${namespace}-{{ args.suffix }}\nargs:\n  - name: suffix\n    default: x\n`,
    'deployment.yaml': 'deployments:\n  - path: app\n',
    'app/first.yaml': cm('first', 'color: blue'),
    'app/second.yaml': cm('second', 'size: L'),
  };
}

/**
 * Issue 17 in a real VS Code (code-server + chromium) against the real kube-apiserver and kluctl-controller: the
 * in-host suite test/vscode/exthost/history.test.ts, then the Timeline as the user sees it (screenshot).
 */
describe('history, alerts and fleet diff in a real VS Code against the real controller @integration @vscode', function () {
  this.timeout(900_000);
  let workspace: string;
  let namespace: string;
  let settings: Record<string, unknown> = {};

  it('runs the in-host suite: timeline, Compare with Previous, result objects, inventory, alerts (also hidden), fleet diff, kubeconfig reload, Validate Now', async () => {
    ensureCodeServer();
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'test', 'vscode', 'build-exthost.mjs')], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    const [cluster, git, controller] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    const client = cluster.client();
    namespace = uniqueName('history-ui');
    const repo = uniqueName('history-ui-repo');
    await git.pushTree(repo, { files: files(namespace) }, 'initial');
    await createDeployment(client, git, repo, { namespace, name: 'app' }, { args: { suffix: 'a' } });
    await createDeployment(client, git, repo, { namespace, name: 'app-b' }, { args: { suffix: 'b' } });
    for (const name of ['app', 'app-b'])
      await waitUntil(
        `${name} Ready=True`,
        async () => {
          const kd = await getDeployment(client, { namespace, name });
          return kd.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );

    workspace = path.join(scratchDir(), uniqueName('workspace'));
    await gitAsync(scratchDir(), 'clone', '-q', git.url(repo), workspace);
    configureIdentity(workspace);
    settings = {
      'kluctl.kubeconfig': cluster.kubeconfig,
      'kluctl.controllerLogFile': controller.logFile,
      'kluctl.localSourceOverridePort': controller.sourceOverridePort,
      'kluctl.confirmClusterChanges': false,
    };
    const run = await runExtensionTests({
      workspace,
      settings,
      env: {
        KLUCTL_HISTORY_NAMESPACE: namespace,
        KLUCTL_HISTORY_WORKSPACE: workspace,
        EXT_TEST_GREP: 'Kluctl issue 17',
      },
      timeoutMs: 600_000,
    });
    const results = run.results!;
    process.stdout.write(`${formatResults(results)}\n`);
    assert.equal(results.failed, 0, results.failures.map((f) => `${f.title}: ${f.error}`).join('\n'));
    const ours = results.tests.filter((t) => t.title.startsWith('Kluctl issue 17'));
    assert.ok(
      ours.length === 8 && ours.every((t) => t.state === 'passed'),
      ours.map((t) => `${t.state} ${t.title}`).join('; '),
    );
  });

  it('shows the Timeline under the deployment with the failed deploy and its Event (screenshot)', async function () {
    if (!workspace) this.skip();
    await withWorkbench(
      {
        workspace,
        settings,
        artifactsDir: path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'history-ui'),
        viewport: { width: 1440, height: 900 },
      },
      async ({ page }) => {
        await openKluctlView(page);
        const app = page.getByRole('treeitem', { name: new RegExp(`^app ${namespace}\\b`) });
        await app.waitFor({ timeout: 60_000 });
        // A click toggles a row with children.
        if ((await app.getAttribute('aria-expanded')) !== 'true') await app.click();
        const timelineItem = page.getByRole('treeitem', { name: /^Timeline/ }).first();
        await timelineItem.waitFor({ timeout: 30_000 });
        if ((await timelineItem.getAttribute('aria-expanded')) !== 'true') await timelineItem.click();
        // The failed deploy of the in-host suite: a result row with its error count, and the controller's Event.
        await page
          .getByRole('treeitem', { name: /^deploy .*errors/ })
          .first()
          .waitFor({ timeout: 60_000 });
        await page
          .getByRole('treeitem', { name: /reconcile|manual request/ })
          .first()
          .waitFor();
        await page
          .locator('.statusbar-item')
          .filter({ hasText: /Kluctl:/ })
          .first()
          .waitFor({ timeout: 30_000 });
        await page.mouse.move(1200, 800);
        await page.waitForTimeout(500);
        await screenshot(page, 'timeline.png');
        assert.ok(fs.existsSync(path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'history-ui')));
      },
    );
  });
});
