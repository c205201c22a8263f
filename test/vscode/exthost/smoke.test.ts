import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { KluctlExtensionApi } from '../../../src/extension/main.js';

const EXTENSION_ID = 'kluctl-tools.kluctl-gitops';

async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Kluctl extension in a real VS Code (smoke)', function () {
  it('runs in VS Code 1.139.x with the test workspace open', () => {
    assert.match(vscode.version, /^1\.139\./);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'one workspace folder');
  });

  it('finds the Kluctl project the activation event looks for', async () => {
    const found = await vscode.workspace.findFiles('**/.kluctl.{yml,yaml}');
    assert.ok(found.length >= 1, 'a .kluctl.yaml in the workspace');
  });

  it('is installed and activates on its own (workspaceContains:**/.kluctl.yaml)', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    assert.equal((extension.packageJSON as { name: string }).name, 'kluctl-gitops');
    await eventually('extension activated by its activation event', () => (extension.isActive ? true : undefined));
  });

  it('registers kluctl.refresh, which rescans the workspace', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('kluctl.refresh'), 'kluctl.refresh is registered');
    const api = vscode.extensions.getExtension<KluctlExtensionApi>(EXTENSION_ID)!.exports;
    let rescanned = false;
    const listener = api.projects.onDidChange(() => (rescanned = true));
    try {
      await vscode.commands.executeCommand('kluctl.refresh');
      await eventually('a workspace rescan after kluctl.refresh', () => (rescanned ? true : undefined));
    } finally {
      listener.dispose();
    }
  });

  it('opens the Kluctl view container and focuses the Deployments view', async () => {
    const api = vscode.extensions.getExtension<KluctlExtensionApi>(EXTENSION_ID)!.exports;
    await vscode.commands.executeCommand('workbench.view.extension.kluctl');
    await vscode.commands.executeCommand('kluctl.deployments.focus');
    await eventually('the Deployments view is visible', () => (api.tree.view.visible ? true : undefined));
  });
});
