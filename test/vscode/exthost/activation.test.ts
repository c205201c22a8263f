import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * The extension activates with the workspace (it has a .kluctl.yaml) but must not contact any cluster until the
 * Deployments view is shown. Runs first (files load in name order), before any suite opens the view, and only
 * where no workspace setting names a kubeconfig (the smoke workspace).
 */
describe('activation without cluster traffic', function () {
  this.timeout(60_000);
  let server: net.Server;
  let connections = 0;
  let kubeconfig: string;

  before(async function () {
    if (vscode.workspace.getConfiguration('kluctl').inspect('kubeconfig')?.workspaceValue) this.skip();
    server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-activation-')), 'config');
    fs.writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'counting', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'counting', user: { token: 'x' } }],
        contexts: [{ name: 'counting', context: { cluster: 'counting', user: 'counting' } }],
        'current-context': 'counting',
      }),
    );
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('kluctl')
      .update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    server?.close();
  });

  it('is active with a kubeconfig, yet connects to no cluster until the view is opened', async () => {
    const extension = vscode.extensions.getExtension('kluctl-tools.kluctl-gitops');
    assert.ok(extension);
    await extension.activate();
    await vscode.workspace
      .getConfiguration('kluctl')
      .update('kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(connections, 0, 'no connection before the view is shown');

    await vscode.commands.executeCommand('workbench.view.extension.kluctl');
    const deadline = Date.now() + 20_000;
    while (connections === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(connections > 0, 'showing the view starts watching the current context');
  });
});
