import * as vscode from 'vscode';
import { DeploymentsTreeProvider } from './deploymentsTree.js';

/** Entry point: everything created here is owned by the extension context and disposed with it. */
export function activate(context: vscode.ExtensionContext): void {
  const tree = new DeploymentsTreeProvider();
  context.subscriptions.push(
    tree,
    vscode.window.createTreeView('kluctl.deployments', { treeDataProvider: tree, showCollapseAll: true }),
    vscode.commands.registerCommand('kluctl.refresh', () => tree.refresh()),
  );
}

export function deactivate(): void {
  // Nothing global to undo: all resources hang off the extension context.
}
