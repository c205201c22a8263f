import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFiles } from '../harness/files.js';
import { runKluctl } from '../harness/kluctl.js';
import { REPO_ROOT, testBinaries } from '../harness/paths.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';
import { ensureCodeServer, withWorkbench } from '../vscode/driver.js';
import { openKluctlView, runCommand, screenshot } from '../vscode/ui.js';

/**
 * Push Diff Target in a real VS Code (code-server + chromium) on projects as users have them, against the shared
 * test cluster: a Secret kept encrypted with SOPS (age), decrypted by the bundled engine with the key of the
 * extension host's environment and shown masked in the diff editor.
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
});
