import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFiles } from '../harness/files.js';
import { HelmRepoServer } from '../harness/helm-repo.js';
import { REPO_ROOT } from '../harness/paths.js';
import { waitUntil } from '../harness/processes.js';
import { ensureCodeServer, withWorkbench } from '../vscode/driver.js';
import { openKluctlView, pick, runCommand, screenshot } from '../vscode/ui.js';

/**
 * Issue 15 in a real VS Code (code-server + chromium): "Kluctl: Pull Helm Charts" pre-pulls a repository chart from
 * the loopback chart repository into .helm-charts, and "Kluctl: Check for Chart Updates" shows the newer versions and
 * writes the chosen one into helm-chart.yaml (its comment kept).
 */
describe('Helm chart pulls and updates in a real VS Code @integration @vscode', function () {
  this.timeout(15 * 60_000);
  const repo = new HelmRepoServer();
  let workspace: string;

  before(async function () {
    this.timeout(30 * 60_000);
    ensureCodeServer();
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
    await repo.start();
    repo.addChart('public', 'demo', '1.0.0');
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-vscode-helm-'));
    writeFiles(workspace, {
      '.kluctl.yaml': 'targets:\n  - name: test\n',
      'deployment.yaml': 'deployments:\n  - path: app\n',
      'app/helm-chart.yaml': `# the demo chart\nhelmChart:\n  repo: ${repo.url('public')}\n  chartName: demo\n  chartVersion: 1.0.0\n  releaseName: demo\n`,
      '.vscode/settings.json': JSON.stringify({ 'kluctl.kubeconfig': path.join(workspace, 'no-kubeconfig') }),
    });
  });
  after(async () => {
    await repo.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('Pull Helm Charts fills .helm-charts; Check for Chart Updates writes the picked version', async () => {
    const pulled = path.join(workspace, '.helm-charts', `http_${repo.httpPort}_127.0.0.1`, 'public', 'demo');
    await withWorkbench(
      { workspace, artifactsDir: path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'helm') },
      async ({ page }) => {
        await openKluctlView(page);
        await runCommand(page, 'Kluctl: Pull Helm Charts');
        await waitUntil(
          '.helm-charts/…/demo/1.0.0',
          () => fs.existsSync(path.join(pulled, '1.0.0', 'Chart.yaml')) || undefined,
          {
            timeoutMs: 60_000,
          },
        );

        repo.addChart('public', 'demo', '1.1.0');
        repo.addChart('public', 'demo', '1.2.0');
        await runCommand(page, 'Kluctl: Check for Chart Updates');
        await pick(page, 'Charts with a newer version: choose one to update', 'demo 1.0.0 → 1.2.0');
        await screenshot(page, 'helm-check-updates.png');
        await pick(page, 'Version to write into helm-chart.yaml', '1.1.0');
        const file = path.join(workspace, 'app', 'helm-chart.yaml');
        await waitUntil(
          'chartVersion 1.1.0 in helm-chart.yaml',
          () => fs.readFileSync(file, 'utf8').includes('chartVersion: 1.1.0') || undefined,
          {
            timeoutMs: 30_000,
          },
        );
        assert.match(fs.readFileSync(file, 'utf8'), /^# the demo chart\nhelmChart:\n {2}repo: /);
      },
    );
  });
});
