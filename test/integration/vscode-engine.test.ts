import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOOPING_PROJECT, SMALL_PROJECT } from '../harness/engine-projects.js';
import { writeFiles } from '../harness/files.js';
import { REPO_ROOT } from '../harness/paths.js';
import { ensureCodeServer, withWorkbench } from '../vscode/driver.js';
import { openKluctlView, pick, runCommand, screenshot } from '../vscode/ui.js';

/**
 * The bundled engine runs in a worker thread: in a real VS Code (code-server + chromium), a Render/Diff Target of a
 * project whose template loops for ever is cancelled from its progress notification while the extension keeps
 * answering, and the extension host still works afterwards. No cluster is needed: the template loops before any.
 */
describe('the bundled engine in a real VS Code: cancelling a template that loops for ever @integration @vscode', function () {
  this.timeout(15 * 60_000);
  let workspace: string;

  before(function () {
    this.timeout(30 * 60_000);
    ensureCodeServer();
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-vscode-engine-'));
    const withConfig = (files: Record<string, string>) => ({ ...files, '.kluctl.yaml': '{}\n' });
    writeFiles(path.join(workspace, 'loop'), withConfig(LOOPING_PROJECT));
    writeFiles(path.join(workspace, 'small'), withConfig(SMALL_PROJECT));
    // No cluster: the engine only warns that no kubeconfig is usable.
    writeFiles(workspace, {
      '.vscode/settings.json': JSON.stringify({ 'kluctl.kubeconfig': path.join(workspace, 'no-kubeconfig') }),
    });
  });
  after(() => {
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('Render and Diff Target are cancelled from the notification, the extension answers meanwhile and works afterwards', async () => {
    await withWorkbench(
      { workspace, artifactsDir: path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'engine-cancel') },
      async ({ page }) => {
        await openKluctlView(page); // the extension is active
        // The notification center (this headless workbench shows no toasts while a quick pick has just closed):
        // the progress notification with its Cancel button, and the messages after it.
        const notifications = page.locator('.notifications-center .monaco-list-row');
        for (const action of ['Render', 'Diff'] as const) {
          await runCommand(page, `Kluctl: ${action} Target (bundled engine)`);
          await pick(page, 'Choose a project', 'loop');
          const started = Date.now();

          // While the template loops, another command of the extension answers: its output channel opens with the
          // line this command logged when it started.
          await runCommand(page, 'Kluctl: Show Output');
          await page
            .locator('.part.panel')
            .getByText(new RegExp(`${action}\\s+loop:\\s+started`))
            .first()
            .waitFor({ timeout: 10_000 });
          await runCommand(page, 'Notifications: Show Notifications');
          const progress = notifications
            .filter({ hasText: `Kluctl ${action} loop` })
            .filter({ has: page.getByRole('button', { name: 'Cancel' }) });
          await progress.waitFor({ timeout: 10_000 });
          if (action === 'Render') await screenshot(page, 'engine-render-running.png');

          await progress.getByRole('button', { name: 'Cancel' }).click();
          const cancelledAt = Date.now();
          await page
            .locator('.part.panel')
            .getByText(new RegExp(`${action}\\s+loop:\\s+cancelled`))
            .first()
            .waitFor({ timeout: 10_000 });
          const stopMs = Date.now() - cancelledAt;
          await runCommand(page, 'Notifications: Show Notifications');
          await notifications
            .filter({ hasText: `Kluctl ${action} loop cancelled.` })
            .first()
            .waitFor({ timeout: 10_000 });
          assert.equal(await progress.count(), 0, 'the progress notification is gone');
          assert.equal(await notifications.filter({ hasText: /failed/ }).count(), 0, 'cancelled, not failed');
          assert.ok(stopMs < 2500, `the ${action} stopped ${stopMs} ms after Cancel`);
          console.log(
            `      ${action}: Show Output answered and Cancel was clicked ${cancelledAt - started} ms after the start; stopped within ${stopMs} ms`,
          );
          if (action === 'Render') await screenshot(page, 'engine-render-cancelled.png');
          await page.keyboard.press('Escape');
        }

        // The extension host is alive and its engine works: a render of the other project opens its YAML.
        await runCommand(page, 'Kluctl: Render Target (bundled engine)');
        await pick(page, 'Choose a project', 'small');
        await page
          .locator('.editor-instance .view-lines')
          .getByText(/x:\s"42"/)
          .first()
          .waitFor({ timeout: 60_000 });
      },
    );
  });
});
