import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths.js';
import { CONTROLLER_POD } from '../harness/kluctl.js';
import { scratchDir, sharedCluster, sharedController, uniqueName } from '../harness/shared.js';
import { ensureCodeServer, withWorkbench } from '../vscode/driver.js';
import { openKluctlView, screenshot } from '../vscode/ui.js';

/**
 * The Deployments view's kluctl-controller row in a real VS Code (code-server + chromium), on default settings,
 * against the controller in its Pod: it names the Pod, and when the Pod is deleted and the ReplicaSet replaces
 * it, the row names the new Pod by itself (the view's Pod watch; no refresh).
 */
describe('the controller row of the Deployments view in a real VS Code @integration @vscode', function () {
  this.timeout(900_000);

  it('shows the controller Pod, and the new Pod after the old one was deleted', async () => {
    ensureCodeServer();
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
    const [cluster, controller] = await Promise.all([sharedCluster(), sharedController()]);
    const client = cluster.client();
    const workspace = path.join(scratchDir(), uniqueName('controller-row'));
    fs.mkdirSync(workspace, { recursive: true });

    await withWorkbench(
      {
        workspace,
        settings: { 'kluctl.kubeconfig': cluster.kubeconfig },
        artifactsDir: path.join(REPO_ROOT, 'test-artifacts', 'vscode', 'controller-row'),
        viewport: { width: 1440, height: 900 },
      },
      async ({ page }) => {
        await openKluctlView(page);
        const oldPod = controller.pod!.name;
        const row = (pod: string) =>
          page.getByRole('treeitem', {
            name: new RegExp(`^kluctl-controller ${pod} · Running, Ready · on kwok-node-`),
          });
        await row(oldPod).waitFor({ timeout: 60_000 });
        await screenshot(page, 'controller-row.png');

        await client.requestJson({
          method: 'DELETE',
          path: `/api/v1/namespaces/${CONTROLLER_POD.namespace}/pods/${oldPod}`,
        });
        await controller.followPodReplacement(client);
        const newPod = controller.pod!.name;
        await row(newPod).waitFor({ timeout: 60_000 });
        await page.mouse.move(1200, 800);
        await screenshot(page, 'controller-row-replaced.png');
        if ((await row(oldPod).count()) !== 0) throw new Error(`the row still names the deleted Pod ${oldPod}`);
      },
    );
  });
});
