import * as path from 'node:path';
import * as vscode from 'vscode';
import type { VarScope } from '../../engine/insight/scopes.js';
import type { VariableInfo, VarOrigin } from '../../engine/insight/provenance.js';
import { Disposable } from '../disposable.js';
import { VARIABLES_VIEW } from '../ids.js';
import type { ProjectInsight } from './insight.js';
import { showValue } from './providers.js';

type Node =
  | { type: 'scope'; projectDir: string; scope: VarScope }
  | { type: 'variable'; projectDir: string; scope: VarScope; variable: VariableInfo }
  | { type: 'origin'; projectDir: string; origin: VarOrigin; effective: boolean; id: string };

/**
 * The Variables view (kluctl#348): for the project of the active editor and its selected target, every variable of
 * each scope with its final value (masked from secret sources) and, below it, the chain of sources that set it.
 * A source opens its file at the line.
 */
export class VariablesView extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly changed = this.register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<Node>;
  private projectDir: string | undefined;

  constructor(private readonly insight: ProjectInsight) {
    super();
    this.view = this.register(
      vscode.window.createTreeView(VARIABLES_VIEW, { treeDataProvider: this, showCollapseAll: true }),
    );
    this.register(insight.onDidAnalyze((dir) => dir === this.projectDir && this.changed.fire(undefined)));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.follow()));
    this.register(this.view.onDidChangeVisibility(() => this.follow()));
    this.follow();
  }

  /** Shows the project of the active editor (or the only project), analysing it when the view is visible. */
  private follow(): void {
    const file = vscode.window.activeTextEditor?.document.uri;
    const dir = file?.scheme === 'file' ? this.insight.projectDirFor(file.fsPath) : undefined;
    if (dir && dir !== this.projectDir) {
      this.projectDir = dir;
      this.changed.fire(undefined);
    }
    if (this.view.visible && this.projectDir) void this.insight.ensure(this.projectDir);
  }

  /** For tests and the command: show this project. */
  show(projectDir: string): void {
    this.projectDir = projectDir;
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    const dir = this.projectDir;
    if (!dir) return [];
    const analysis = this.insight.analysis(dir);
    if (!analysis) return [];
    if (!node) {
      this.view.message = `Target ${analysis.target || '(none)'} of ${path.basename(dir)}`;
      const scopes = analysis.scopes;
      if (scopes.length === 1)
        return scopes[0].variables.map((variable) => ({
          type: 'variable',
          projectDir: dir,
          scope: scopes[0],
          variable,
        }));
      return scopes.map((scope) => ({ type: 'scope', projectDir: dir, scope }));
    }
    if (node.type === 'scope')
      return node.scope.variables.map((variable) => ({
        type: 'variable',
        projectDir: dir,
        scope: node.scope,
        variable,
      }));
    if (node.type === 'variable')
      return node.variable.origins.map((origin, i) => ({
        type: 'origin',
        projectDir: dir,
        origin,
        effective: i === node.variable.effective,
        id: `${node.scope.id}:${node.variable.path}:${i}`,
      }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'scope') {
      const item = new vscode.TreeItem(node.scope.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `scope:${node.scope.id}`;
      item.description = `${node.scope.variables.length} variables`;
      item.contextValue = 'kluctl:varScope';
      return item;
    }
    if (node.type === 'variable') {
      const v = node.variable;
      const item = new vscode.TreeItem(
        v.path,
        v.origins.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
      );
      item.id = `var:${node.scope.id}:${v.path}`;
      const eff = v.origins[v.effective];
      item.description = `${showValue(v.value, v.sensitive)}${eff ? ` · ${eff.label}` : ''}`;
      item.tooltip = `${v.path} = ${showValue(v.value, v.sensitive)}${eff ? `\nfrom ${eff.label}` : ''}${v.origins.length > 1 ? `\n${v.origins.length - 1} other source(s)` : ''}`;
      item.iconPath = new vscode.ThemeIcon(v.sensitive ? 'lock' : 'symbol-variable');
      item.contextValue = `kluctl:variable${v.sensitive ? '+sensitive' : ''}`;
      return item;
    }
    const o = node.origin;
    const where = o.file ? `${path.relative(node.projectDir, o.file)}${o.line ? `:${o.line}` : ''}` : '';
    const item = new vscode.TreeItem(o.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = `${showValue(o.value, o.sensitive)}${where ? ` · ${where}` : ''}${node.effective ? '' : ' · overridden'}`;
    item.iconPath = new vscode.ThemeIcon(node.effective ? 'pass' : 'circle-slash');
    item.contextValue = `kluctl:varSource${node.effective ? '+effective' : ''}`;
    if (o.file)
      item.command = {
        command: 'vscode.open',
        title: 'Open',
        arguments: [
          vscode.Uri.file(o.file),
          {
            selection: new vscode.Range((o.line ?? 1) - 1, (o.column ?? 1) - 1, (o.line ?? 1) - 1, (o.column ?? 1) - 1),
          },
        ],
      };
    return item;
  }
}
