import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFiles } from '../harness/files.js';
import { HelmRepoServer } from '../harness/helm-repo.js';
import { runKluctl } from '../harness/kluctl.js';
import { REPO_ROOT, testBinaries } from '../harness/paths.js';
import { waitUntil } from '../harness/processes.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';
import { ensureCodeServer, withWorkbench } from '../vscode/driver.js';
import { openKluctlView, pick, runCommand, screenshot } from '../vscode/ui.js';

/**
 * Push Diff Target in a real VS Code (code-server + chromium) on projects as users have them, against the shared
 * test cluster: a Secret kept encrypted with SOPS (age), decrypted by the bundled engine with the key of the
 * extension host's environment and shown masked in the diff editor; a Helm chart from a chart repository (the
 * loopback peer of test/harness/helm-repo.ts) that is not pre-pulled.
 */
describe('push Diff Target in a real VS Code on real-world projects @integration @vscode', function () {
  this.timeout(15 * 60_000);
  let tmp: string;

  before(function () {
    this.timeout(30 * 60_000);
    ensureCodeServer();
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-vscode-push-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a SOPS-encrypted Secret: decrypted with the age key of the environment, masked in the diff editor', async () => {
    const cluster = await sharedCluster();
    const bins = testBinaries('sops', 'age-keygen');
    const keyFile = path.join(tmp, 'age-key.txt');
    execFileSync(bins['age-keygen'], ['-o', keyFile], { stdio: 'pipe' });
    const recipient = /public key: (age1[0-9a-z]+)/.exec(fs.readFileSync(keyFile, 'utf8'))![1];
    // Keys only from this run: nothing from the user's config dir or keyring.
    const env = {
      SOPS_AGE_KEY_FILE: keyFile,
      XDG_CONFIG_HOME: path.join(tmp, 'xdg'),
      GNUPGHOME: path.join(tmp, 'gpg'),
    };

    const ns = uniqueName('sops-ui');
    const workspace = path.join(tmp, 'sops-project');
    const secret = (password: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: ${ns}\nstringData:\n  password: ${password}\n  user: app\n`;
    writeFiles(workspace, {
      '.kluctl.yaml': `discriminator: sops-ui-${ns}\n`,
      'deployment.yaml': 'deployments:\n  - path: namespace\n  - barrier: true\n  - path: secrets\n',
      'namespace/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
      'secrets/secret.yaml': secret('committed-pa55word'),
      '.vscode/settings.json': JSON.stringify({ 'kluctl.kubeconfig': cluster.kubeconfig }),
    });
    const encrypt = () => {
      execFileSync(
        bins.sops,
        ['-e', '-i', '--age', recipient, '--encrypted-regex', '^stringData$', 'secrets/secret.yaml'],
        { cwd: workspace, env: { ...process.env, ...env }, stdio: 'pipe' },
      );
      assert.match(fs.readFileSync(path.join(workspace, 'secrets/secret.yaml'), 'utf8'), /ENC\[AES256_GCM/);
    };
    encrypt();
    // Deployed by the real kluctl (it decrypts with the same key), then the checkout's value changes.
    const deployed = await runKluctl(['deploy', '--yes'], { kubeconfig: cluster.kubeconfig, cwd: workspace, env });
    assert.equal(deployed.code, 0, deployed.stderr);
    fs.writeFileSync(path.join(workspace, 'secrets/secret.yaml'), secret('uncommitted-s3cret'));
    encrypt();

    await withWorkbench(
      { workspace, env, artifactsDir: path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'push-sops') },
      async ({ page }) => {
        await openKluctlView(page);
        await runCommand(page, 'Kluctl: Diff Target (bundled engine)');
        const editor = page.locator('.multiDiffEditor, .monaco-diff-editor').first();
        await editor.waitFor({ timeout: 120_000 });
        // Monaco renders spaces as no-break spaces: match them with \s.
        await page
          .getByText(/\*\*\*\*\*\s\(changed\)/)
          .first()
          .waitFor({ timeout: 60_000 });
        await page.waitForTimeout(500);
        await screenshot(page, 'push-diff-sops-secret.png');
        const shown = await page.locator('.monaco-workbench').innerText();
        assert.doesNotMatch(shown, /committed-pa55word|uncommitted-s3cret|ENC\[/, 'no value and no ciphertext shown');
        assert.match(shown, /secrets|Secret/);
      },
    );
  });
  it('a repository chart that is not pre-pulled: the error offers Pull Helm Charts, then the diff shows it; skipPrePull pulls on demand', async () => {
    const cluster = await sharedCluster();
    const repo = new HelmRepoServer();
    await repo.start();
    try {
      repo.addChart('public', 'demo', '1.0.0');
      const ns = uniqueName('helm-ui');
      const workspace = path.join(tmp, 'helm-projects');
      const project = (name: string, extra = '') => ({
        [`${name}/.kluctl.yaml`]: `discriminator: ${name}-${ns}\n`,
        [`${name}/deployment.yaml`]: 'deployments:\n  - path: namespace\n  - barrier: true\n  - path: app\n',
        [`${name}/namespace/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}-${name}\n`,
        [`${name}/app/helm-chart.yaml`]:
          `helmChart:\n  repo: ${repo.url('public')}\n  chartName: demo\n  chartVersion: 1.0.0\n` +
          `  releaseName: ${name}\n  namespace: ${ns}-${name}\n${extra}`,
        [`${name}/app/kustomization.yaml`]: 'resources:\n  - helm-rendered.yaml\n',
      });
      writeFiles(workspace, {
        ...project('prepull'),
        ...project('ondemand', '  skipPrePull: true\n'),
        '.vscode/settings.json': JSON.stringify({ 'kluctl.kubeconfig': cluster.kubeconfig }),
      });
      const env = { KLUCTL_TS_CACHE_DIR: path.join(tmp, 'helm-ui-cache') };
      await withWorkbench(
        { workspace, env, artifactsDir: path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'push-helm') },
        async ({ page }) => {
          await openKluctlView(page);
          const notifications = page.locator('.notifications-center .monaco-list-row');
          const editorText = (re: RegExp) =>
            page.locator('.multiDiffEditor, .monaco-diff-editor').getByText(re).first();

          // Not pre-pulled (kluctl's default): kluctl's error, with the pull offered.
          await runCommand(page, 'Kluctl: Diff Target (bundled engine)');
          await pick(page, 'Choose a project', 'prepull');
          await runCommand(page, 'Notifications: Show Notifications');
          const failed = notifications.filter({ hasText: /has not been pre-pulled/ }).first();
          await failed.waitFor({ timeout: 120_000 });
          await screenshot(page, 'push-diff-helm-not-pulled.png');
          await failed.getByRole('button', { name: 'Pull Helm Charts' }).click();
          const pulled = path.join(workspace, 'prepull', '.helm-charts', `http_${repo.httpPort}_127.0.0.1`, 'public');
          await waitUntil(
            '.helm-charts filled',
            () => fs.existsSync(path.join(pulled, 'demo', '1.0.0', 'Chart.yaml')) || undefined,
            {
              timeoutMs: 60_000,
            },
          );

          await runCommand(page, 'Kluctl: Diff Target (bundled engine)');
          await pick(page, 'Choose a project', 'prepull');
          await editorText(/prepull-demo/).waitFor({ timeout: 120_000 });
          await editorText(/greeting/).waitFor({ timeout: 30_000 });
          await page.waitForTimeout(500);
          await screenshot(page, 'push-diff-helm-chart.png');

          // skipPrePull: pulled into the cache on demand, nothing written into the project.
          await runCommand(page, 'Kluctl: Diff Target (bundled engine)');
          await pick(page, 'Choose a project', 'ondemand');
          await editorText(/ondemand-demo/).waitFor({ timeout: 120_000 });
          assert.ok(!fs.existsSync(path.join(workspace, 'ondemand', '.helm-charts')));
          assert.ok(fs.existsSync(env.KLUCTL_TS_CACHE_DIR), 'pulled into the engine cache of the extension host');
        },
      );
    } finally {
      await repo.stop();
    }
  });
});
