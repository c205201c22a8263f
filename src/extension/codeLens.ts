import * as path from 'node:path';
import * as vscode from 'vscode';
import { isMap, isSeq, parseDocument } from 'yaml';
import { Disposable } from './disposable.js';
import { commandOf } from './commands/registry.js';
import { Commands } from './ids.js';
import { findManifests } from './manifestScan.js';
import { KLUCTL_YAML_LANGUAGE } from './schemaSelection.js';
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
    this.register(
      vscode.languages.registerCodeLensProvider(
        [
          { language: 'yaml', scheme: 'file' },
          { language: KLUCTL_YAML_LANGUAGE, scheme: 'file' },
        ],
        this,
      ),
    );
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
        lenses.push(
          new vscode.CodeLens(range, commandOf(Commands.selectContexts, 'Kluctl: not found in the watched contexts')),
        );
        continue;
      }
      lenses.push(
        new vscode.CodeLens(
          range,
          commandOf(
            Commands.openDeploymentYaml,
            `$(${node.status.suspended ? 'debug-pause' : 'pass'}) ${node.context}: ${node.status.summary || node.status.state}`,
            node,
          ),
        ),
      );
      lenses.push(new vscode.CodeLens(range, commandOf(Commands.diff, 'Diff', node)));
      if (node.project)
        lenses.push(
          new vscode.CodeLens(range, commandOf(Commands.diffWithLocalSource, 'Diff with Local Source', node)),
        );
      lenses.push(new vscode.CodeLens(range, commandOf(Commands.showLogs, 'Show Logs', node)));
    }
    return lenses;
  }
}

/** CodeLens over `.kluctl.yaml`: Render, Diff, Deploy and Prune of each target with the bundled engine. */
export class KluctlProjectCodeLens extends Disposable implements vscode.CodeLensProvider {
  constructor() {
    super();
    this.register(
      vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/.kluctl.{yaml,yml}' }, this),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const projectDir = path.dirname(document.uri.fsPath);
    const lenses: vscode.CodeLens[] = [];
    const add = (offset: number, target: string | undefined) => {
      const range = document.lineAt(document.positionAt(offset).line).range;
      const arg = { projectDir, target };
      lenses.push(
        new vscode.CodeLens(range, commandOf(Commands.renderTarget, 'Render', arg)),
        new vscode.CodeLens(range, commandOf(Commands.diffTarget, 'Diff', arg)),
        new vscode.CodeLens(range, commandOf(Commands.deployTarget, 'Deploy…', arg)),
        new vscode.CodeLens(range, commandOf(Commands.pruneTarget, 'Prune…', arg)),
      );
    };
    const targets = targetPositions(document.getText());
    if (targets.length === 0) add(0, undefined);
    for (const t of targets) add(t.offset, t.name);
    return lenses;
  }
}

/** Each `targets[].name` with the offset of its list item; nothing for a document that does not parse. */
export function targetPositions(text: string): Array<{ name: string; offset: number }> {
  const doc = parseDocument(text);
  const targets = doc.get('targets');
  if (!isSeq(targets)) return [];
  const out: Array<{ name: string; offset: number }> = [];
  for (const item of targets.items) {
    if (!isMap(item)) continue;
    const name = item.get('name');
    if (typeof name === 'string' && item.range) out.push({ name, offset: item.range[0] });
  }
  return out;
}
