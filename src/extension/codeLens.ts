import * as vscode from 'vscode';
import { Disposable } from './disposable.js';
import { Commands } from './ids.js';
import { findManifests } from './manifestScan.js';
import type { DeploymentsTree } from './tree/deploymentsTree.js';

/**
 * CodeLens over KluctlDeployment manifests in the editor: once the deployment is known in a watched context, its
 * status and Diff / Show Logs act on it.
 */
export class KluctlDeploymentCodeLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly tree: DeploymentsTree) {
    super();
    this.register(vscode.languages.registerCodeLensProvider({ language: 'yaml', scheme: 'file' }, this));
    this.register(tree.onDidChangeTreeData(() => this.changed.fire()));
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const text = document.getText();
    if (!text.includes('KluctlDeployment')) return [];
    const nodes = await this.tree.deploymentNodes();
    const lenses: vscode.CodeLens[] = [];
    for (const manifest of findManifests(text)) {
      const range = document.lineAt(document.positionAt(manifest.offset).line).range;
      const node = nodes.find((n) => n.namespace === manifest.ref.namespace && n.name === manifest.ref.name);
      if (!node) {
        lenses.push(new vscode.CodeLens(range, { title: 'Kluctl: not found in the watched contexts', command: Commands.selectContexts }));
        continue;
      }
      lenses.push(new vscode.CodeLens(range, { title: `$(${node.status.suspended ? 'debug-pause' : 'pass'}) ${node.context}: ${node.status.summary || node.status.state}`, command: Commands.openDeploymentYaml, arguments: [node] }));
      lenses.push(new vscode.CodeLens(range, { title: 'Diff', command: Commands.diff, arguments: [node] }));
      if (node.project) lenses.push(new vscode.CodeLens(range, { title: 'Diff with Local Source', command: Commands.diffWithLocalSource, arguments: [node] }));
      lenses.push(new vscode.CodeLens(range, { title: 'Show Logs', command: Commands.showLogs, arguments: [node] }));
    }
    return lenses;
  }
}
