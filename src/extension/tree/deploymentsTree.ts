import * as vscode from 'vscode';
import type { Clusters } from '../clusters.js';
import { ContextKeySetter } from '../contextKeys.js';
import { Disposable } from '../disposable.js';
import { ContextKeys, DEPLOYMENTS_VIEW } from '../ids.js';
import type { WorkspaceProjects } from '../workspaceProjects.js';
import { HistoryView } from './historyView.js';
import { presentControllerPods } from '../../gitops/controllerPods.js';
import { ContextNode, ControllerNode, DeploymentNode, GroupNode, MessageNode, type TreeNode } from './nodes.js';

/**
 * The Deployments view: chosen contexts → their KluctlDeployments, those deploying this workspace first, the rest
 * under "Other deployments", then the kluctl-controller row. Clusters are watched only while the view is visible.
 */
export class DeploymentsTree extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TreeNode | undefined>());
  private readonly contextKeys = new ContextKeySetter();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<TreeNode>;
  /** Timeline, Inventory and Validation under each deployment. */
  readonly history: HistoryView;

  constructor(
    private readonly clusters: Clusters,
    private readonly projects: WorkspaceProjects,
  ) {
    super();
    this.history = this.register(new HistoryView(clusters));
    this.register(this.history.onDidChange(() => this.refresh()));
    this.view = this.register(
      vscode.window.createTreeView(DEPLOYMENTS_VIEW, {
        treeDataProvider: this,
        showCollapseAll: true,
        canSelectMany: true,
      }),
    );
    this.register(this.view.onDidChangeVisibility((e) => this.onVisibility(e.visible)));
    this.register(this.view.onDidCollapseElement((e) => this.history.collapsed(e.element.toTreeItem().id)));
    this.register(clusters.onDidChange(() => this.scheduleRefresh()));
    this.register({ dispose: () => clearTimeout(this.pending) });
    this.register(projects.onDidChange(() => this.refresh()));
    if (this.view.visible) this.onVisibility(true);
  }

  refresh(): void {
    this.changed.fire(undefined);
    void this.updateContextKeys();
  }

  private pending: NodeJS.Timeout | undefined;
  private shown = '';

  /**
   * Watch events come in bursts (a reconcile writes the status several times). Re-rendering the view for each one
   * swallowed clicks on its rows, so events are coalesced and the view is only redrawn when a row would look different.
   */
  private scheduleRefresh(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.refreshIfChanged(), 150);
  }

  private async refreshIfChanged(): Promise<void> {
    const now = await this.fingerprint();
    if (now === this.shown) return;
    this.shown = now;
    this.refresh();
  }

  /** What the rows show: ids, labels, descriptions, icons and menus of every node down to deployment children. */
  private async fingerprint(): Promise<string> {
    const rows: unknown[] = [];
    const add = (node: TreeNode) => {
      const item = node.toTreeItem();
      const icon =
        item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id}:${item.iconPath.color?.id ?? ''}` : '';
      rows.push([item.id, item.label, item.description, item.contextValue, icon, item.collapsibleState]);
    };
    for (const root of this.roots()) {
      add(root);
      if (root.kind !== 'context') continue;
      for (const child of await this.contextChildren(root)) {
        add(child);
        if (child.kind === 'controller') child.children().forEach(add);
        const deployments = child.kind === 'group' ? child.deployments : child.kind === 'deployment' ? [child] : [];
        for (const d of deployments) {
          if (d !== child) add(d);
          d.children().forEach(add);
        }
      }
    }
    return JSON.stringify(rows);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.roots();
    switch (node.kind) {
      case 'context':
        return this.contextChildren(node);
      case 'controller':
        return node.children();
      case 'group':
        return node.deployments;
      case 'deployment':
        return node.children();
      case 'timeline':
        return this.history.timelineChildren(node);
      case 'timelineEntry':
        return this.history.resultChildren(node);
      case 'resultGroup':
        return node.children();
      case 'inventory':
        return this.history.inventoryChildren(node);
      case 'validation':
        return this.history.validationChildren(node);
      default:
        return [];
    }
  }

  getParent(): undefined {
    return undefined;
  }

  /** The deployment nodes currently known, matching ones first (for commands run from the palette). */
  async deploymentNodes(): Promise<DeploymentNode[]> {
    await this.projects.all();
    const nodes: DeploymentNode[] = [];
    for (const view of this.clusters.views())
      nodes.push(...this.partition(view.name, view.deployments).flatMap((g) => g));
    return nodes;
  }

  private roots(): TreeNode[] {
    const snapshot = this.clusters.snapshot();
    if (snapshot.problem) return [];
    this.view.message = undefined;
    return this.clusters.views().map((v) => new ContextNode(v.name, v.isCurrent, v.state));
  }

  private async contextChildren(node: ContextNode): Promise<TreeNode[]> {
    const view = this.clusters.views().find((v) => v.name === node.context);
    if (!view) return [];
    const message = MessageNode.forState(node.context, view.state);
    // The controller row, last: the Pod(s) that run the requests (a replaced Pod shows up live).
    const controller = new ControllerNode(
      node.context,
      presentControllerPods(view.controller.namespace, view.controller.state, view.controller.pods),
    );
    if (message) return view.state.kind === 'controllerTooOld' ? [message, controller] : [message];
    const projects = await this.projects.all();
    const [matching, others] = this.partition(node.context, view.deployments);
    const nodes: TreeNode[] = [...matching];
    if (matching.length === 0 && others.length > 0 && projects.length > 0) {
      const where = projects
        .map((p) => `${p.repoKey.host}/${p.repoKey.path}${p.subDir ? ` (${p.subDir})` : ''}`)
        .join(', ');
      nodes.push(
        new MessageNode(node.context, 'no-match', 'No deployment here deploys this workspace', where, 'info', false),
      );
    }
    if (others.length > 0)
      nodes.push(new GroupNode(node.context, matching.length > 0 ? 'Other deployments' : 'All deployments', others));
    if (view.state.kind === 'ready' && view.state.warning)
      nodes.push(
        new MessageNode(node.context, 'warning', 'Some namespaces are hidden', view.state.warning, 'lock', false),
      );
    if (nodes.length === 0)
      nodes.push(
        new MessageNode(node.context, 'empty', 'No KluctlDeployments in this cluster', undefined, 'info', false),
      );
    nodes.push(controller);
    return nodes;
  }

  private partition(context: string, deployments: DeploymentNode['kd'][]): [DeploymentNode[], DeploymentNode[]] {
    const now = new Date();
    const sorted = [...deployments].sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
    );
    const nodes = sorted.map((kd) => new DeploymentNode(context, kd, this.projects.matchesSync(kd), now));
    return [nodes.filter((n) => n.project), nodes.filter((n) => !n.project)];
  }

  private onVisibility(visible: boolean): void {
    if (visible) {
      this.clusters.watch();
      // Expanded timelines subscribe again when their children are asked for.
      this.refresh();
    } else {
      this.clusters.pause();
      this.history.stopAll();
    }
  }

  private async updateContextKeys(): Promise<void> {
    const snapshot = this.clusters.snapshot();
    await this.contextKeys.set(ContextKeys.noKubeconfig, snapshot.problem !== undefined);
    const nodes = await this.deploymentNodes();
    const loaded = this.clusters.views().every((v) => v.state.kind !== 'loading');
    const hasMatch = nodes.some((n) => n.project);
    await this.contextKeys.set(ContextKeys.hasMatchingDeployment, hasMatch);
    await this.contextKeys.set(ContextKeys.noMatchingDeployment, loaded && !hasMatch);
  }
}
