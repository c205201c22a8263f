import * as vscode from 'vscode';
import type { ContextState } from '../../gitops/deploymentWatcher.js';
import type { ControllerPresentation } from '../../gitops/controllerPods.js';
import { objectRefString } from '../../kluctl/results.js';
import { presentStatus, type PresentedStatus } from '../../gitops/status.js';
import { DRIFT_ICON, statusIcon, validationIcon, type StatusIcon } from '../../gitops/statusIcons.js';
import type { KluctlDeployment } from '../../kluctl/types.js';
import type { ResultObject } from '../../kluctl/resultTypes.js';
import { contextValue } from '../contextValue.js';
import { Commands } from '../ids.js';
import type { WorkspaceProject } from '../workspaceProjects.js';
import { InventoryNode, TimelineNode, ValidationNode, type HistoryTreeNode } from './historyNodes.js';

/** Everything the tree shows; each node knows how to render itself. */
export type TreeNode =
  | ContextNode
  | ControllerNode
  | ControllerPodNode
  | MessageNode
  | GroupNode
  | DeploymentNode
  | DetailNode
  | DriftObjectNode
  | HistoryTreeNode;

export function icon(data: StatusIcon): vscode.ThemeIcon {
  return new vscode.ThemeIcon(data.codicon, data.themeColor ? new vscode.ThemeColor(data.themeColor) : undefined);
}

export class ContextNode {
  readonly kind = 'context';
  constructor(
    readonly context: string,
    readonly isCurrent: boolean,
    readonly state: ContextState,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.context, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `context/${this.context}`;
    item.iconPath = new vscode.ThemeIcon('server-environment');
    item.description = this.isCurrent ? 'current context' : undefined;
    item.contextValue = contextValue('context', { current: this.isCurrent, [this.state.kind]: true });
    return item;
  }
}

/**
 * The kluctl-controller of a context: its Pod (name, phase, readiness, restarts, node, version), or one child row
 * per Pod when there are several; a warning icon when no Pod is Ready or a container restarted; a message when
 * there are no Pods or they may not be listed. Kept live by the context's ControllerPodsWatcher.
 */
export class ControllerNode {
  readonly kind = 'controller';
  constructor(
    readonly context: string,
    readonly presentation: ControllerPresentation,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const p = this.presentation;
    const item = new vscode.TreeItem(
      p.label,
      p.pods.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `controller/${this.context}`;
    item.description = p.description;
    item.iconPath = icon(p.icon);
    item.tooltip = new vscode.MarkdownString().appendText(p.details.join('\n'));
    item.contextValue = contextValue('controller', { warning: p.warning });
    return item;
  }

  children(): ControllerPodNode[] {
    return this.presentation.pods.map((pod) => new ControllerPodNode(this.context, pod));
  }
}

export class ControllerPodNode {
  readonly kind = 'controllerPod';
  constructor(
    readonly context: string,
    readonly pod: ControllerPresentation['pods'][number],
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.pod.name, vscode.TreeItemCollapsibleState.None);
    item.id = `controller/${this.context}/${this.pod.name}`;
    item.description = this.pod.description;
    item.iconPath = icon(this.pod.icon);
    item.tooltip = new vscode.MarkdownString().appendText(this.pod.details.join('\n'));
    item.contextValue = contextValue('controller', { pod: true });
    return item;
  }
}

/** A line of text under a context: loading, nothing found, or a problem (with Retry when it can help). */
export class MessageNode {
  readonly kind = 'message';
  constructor(
    readonly context: string,
    readonly id: string,
    readonly text: string,
    readonly detail: string | undefined,
    readonly iconId: string,
    readonly retryable: boolean,
  ) {}

  static forState(context: string, state: ContextState): MessageNode | undefined {
    switch (state.kind) {
      case 'loading':
        return new MessageNode(context, 'loading', 'Loading KluctlDeployments…', undefined, 'loading~spin', false);
      case 'unreachable':
        return new MessageNode(context, 'error', 'Cluster unreachable', state.message, 'debug-disconnect', true);
      case 'credentials':
        return new MessageNode(context, 'error', 'Credentials not available', state.message, 'key', true);
      case 'crdMissing':
        return new MessageNode(
          context,
          'error',
          'Kluctl controller not installed',
          state.message,
          'extensions-warning-message',
          true,
        );
      case 'controllerTooOld':
        return new MessageNode(
          context,
          'error',
          'Kluctl controller too old (needs v2.22+)',
          state.message,
          'warning',
          true,
        );
      case 'forbidden':
        return new MessageNode(context, 'error', 'Not allowed to list KluctlDeployments', state.message, 'lock', true);
      case 'ready':
        return undefined;
    }
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.text, vscode.TreeItemCollapsibleState.None);
    item.id = `message/${this.context}/${this.id}`;
    item.iconPath = new vscode.ThemeIcon(
      this.iconId,
      this.retryable ? new vscode.ThemeColor('problemsErrorIcon.foreground') : undefined,
    );
    item.description = this.detail;
    item.tooltip = this.detail ? new vscode.MarkdownString().appendText(this.detail) : undefined;
    item.contextValue = contextValue(this.retryable ? 'error' : 'info', { retryable: this.retryable });
    if (this.retryable) item.command = { command: Commands.retry, title: 'Retry', arguments: [this] };
    return item;
  }
}

export class GroupNode {
  readonly kind = 'group';
  constructor(
    readonly context: string,
    readonly label: string,
    readonly deployments: DeploymentNode[],
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `group/${this.context}/${this.label}`;
    item.description = `${this.deployments.length}`;
    item.iconPath = new vscode.ThemeIcon('folder');
    item.contextValue = contextValue('group');
    return item;
  }
}

export class DeploymentNode {
  readonly kind = 'deployment';
  readonly status: PresentedStatus;
  constructor(
    readonly context: string,
    readonly kd: KluctlDeployment,
    readonly project: WorkspaceProject | undefined,
    now = new Date(),
  ) {
    this.status = presentStatus(kd, now);
  }

  get namespace(): string {
    return this.kd.metadata.namespace ?? '';
  }
  get name(): string {
    return this.kd.metadata.name;
  }
  get label(): string {
    return `${this.namespace}/${this.name}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `deployment/${this.context}/${this.namespace}/${this.name}`;
    item.iconPath = icon(statusIcon(this.status.state));
    item.description = this.description();
    item.tooltip = this.tooltip();
    item.contextValue = contextValue('deployment', {
      suspended: this.status.suspended,
      manual: this.kd.spec.manual === true,
      approvable: this.status.manualApprovalPending,
      drift: this.status.drift?.hasDrift,
      matching: this.project !== undefined,
      git: this.kd.spec.source?.git !== undefined || this.kd.spec.source?.url !== undefined,
    });
    return item;
  }

  private description(): string {
    const parts = [this.namespace];
    if (this.project) parts.push(`● ${this.project.subDir || this.project.folder.name}`);
    if (this.status.suspended) parts.push('suspended');
    const commit = this.kd.status?.observedCommit;
    if (commit) parts.push(commit.slice(0, 7));
    if (this.status.drift?.hasDrift) parts.push(`drift: ${this.status.drift.message}`);
    if (this.status.state !== 'ready' && this.status.state !== 'suspended') parts.push(this.status.summary);
    return parts.filter(Boolean).join(' · ');
  }

  private tooltip(): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escape(this.label)}** · \`${escape(this.context)}\`\n\n`);
    md.appendMarkdown(
      `$(${statusIcon(this.status.state).codicon}) ${escape(this.status.summary || this.status.state)}`,
    );
    if (this.status.since) md.appendMarkdown(` — since ${this.status.since.toLocaleString()}`);
    md.appendMarkdown('\n\n');
    const source =
      this.kd.spec.source?.git ??
      (this.kd.spec.source?.url ? { url: this.kd.spec.source.url, path: this.kd.spec.source.path } : undefined);
    if (source)
      md.appendMarkdown(
        `Source: \`${escape(source.url)}\`${source.path ? ` path \`${escape(source.path)}\`` : ''}\n\n`,
      );
    if (this.project)
      md.appendMarkdown(
        `Matches the workspace project \`${escape(this.project.subDir || '.')}\` in ${escape(this.project.folder.name)}\n\n`,
      );
    const deploy = this.status.lastDeploy;
    if (deploy) {
      md.appendMarkdown(
        `Last ${deploy.command ?? 'deploy'}: ${deploy.endTime?.toLocaleString() ?? 'unknown time'} — ${deploy.objects.new} new, ${deploy.objects.changed} changed, ${deploy.objects.orphan} orphan, ${deploy.errors} errors\n\n`,
      );
    }
    const validate = this.status.lastValidate;
    if (validate)
      md.appendMarkdown(
        `Last validate: ${validate.ready ? 'ready' : 'not ready'}, ${validate.errors} errors, ${validate.warnings} warnings\n\n`,
      );
    if (this.status.manualApprovalPending)
      md.appendMarkdown('$(warning) Manual mode: rendered objects wait for approval\n\n');
    if (this.status.conditions.length > 0) {
      md.appendMarkdown('| Condition | Status | Reason | Message |\n|---|---|---|---|\n');
      for (const c of this.status.conditions) {
        md.appendMarkdown(
          `| ${escape(c.type)} | ${escape(c.status)} | ${escape(c.reason ?? '')} | ${escape((c.message ?? '').split('\n')[0])} |\n`,
        );
      }
    }
    return md;
  }

  children(): TreeNode[] {
    const nodes: TreeNode[] = [];
    const id = (suffix: string): string => `detail/${this.context}/${this.namespace}/${this.name}/${suffix}`;
    const deploy = this.status.lastDeploy;
    if (deploy) {
      const o = deploy.objects;
      nodes.push(
        new DetailNode(
          id('deploy'),
          `Last ${deploy.command ?? 'deploy'}`,
          `${o.new} new · ${o.changed} changed · ${o.orphan} orphan · ${deploy.errors} errors`,
          deploy.errors > 0 ? { codicon: 'error', themeColor: 'problemsErrorIcon.foreground' } : { codicon: 'rocket' },
          deploy.endTime?.toLocaleString(),
        ),
      );
    }
    nodes.push(new TimelineNode(this));
    if (this.kd.status?.lastDeployResult) nodes.push(new InventoryNode(this));
    if (this.kd.spec.validate !== false) nodes.push(new ValidationNode(this));
    const validate = this.status.lastValidate;
    if (validate) {
      nodes.push(
        new DetailNode(
          id('validate'),
          'Last validate',
          validate.ready ? `ready · ${validate.warnings} warnings` : `not ready · ${validate.errors} errors`,
          validationIcon(this.status.validation),
          validate.endTime?.toLocaleString(),
        ),
      );
    }
    const driftObjects = (this.kd.status?.lastDriftDetectionResult?.objects ?? []) as ResultObject[];
    if (this.status.drift) {
      nodes.push(
        new DetailNode(
          id('drift'),
          'Drift',
          this.status.drift.message,
          this.status.drift.hasDrift ? DRIFT_ICON : { codicon: 'check' },
          undefined,
        ),
      );
      for (const object of driftObjects) nodes.push(new DriftObjectNode(this, object));
    }
    const prepareError = this.kd.status?.lastPrepareError;
    if (prepareError)
      nodes.push(
        new DetailNode(
          id('prepare-error'),
          'Prepare failed',
          prepareError.split('\n')[0],
          { codicon: 'error', themeColor: 'problemsErrorIcon.foreground' },
          prepareError,
        ),
      );
    return nodes;
  }
}

export class DetailNode {
  readonly kind = 'detail';
  constructor(
    readonly id: string,
    readonly label: string,
    readonly description: string,
    readonly iconData: StatusIcon,
    readonly tooltip: string | undefined,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = this.description;
    item.iconPath = icon(this.iconData);
    item.tooltip = this.tooltip;
    item.contextValue = contextValue('result');
    return item;
  }
}

/** An object the last drift detection found different from the project; opens its diff. */
export class DriftObjectNode {
  readonly kind = 'driftObject';
  constructor(
    readonly deployment: DeploymentNode,
    readonly object: ResultObject,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const ref = this.object.ref;
    const flag = this.object.new ? 'new' : this.object.orphan ? 'orphan' : this.object.deleted ? 'deleted' : 'changed';
    const item = new vscode.TreeItem(`${ref.kind}/${ref.name}`, vscode.TreeItemCollapsibleState.None);
    item.id = `drift/${this.deployment.context}/${this.deployment.namespace}/${this.deployment.name}/${objectRefString(ref)}`;
    item.description = `${flag}${ref.namespace ? ` · ${ref.namespace}` : ''}`;
    const icons: Record<string, StatusIcon> = {
      new: { codicon: 'diff-added', themeColor: 'gitDecoration.addedResourceForeground' },
      deleted: { codicon: 'diff-removed', themeColor: 'gitDecoration.deletedResourceForeground' },
      orphan: { codicon: 'question', themeColor: 'gitDecoration.untrackedResourceForeground' },
      changed: { codicon: 'diff-modified', themeColor: 'gitDecoration.modifiedResourceForeground' },
    };
    item.iconPath = icon(icons[flag]);
    item.contextValue = contextValue('object', { [flag]: true });
    item.command = { command: Commands.openObjectDiff, title: 'Open Diff', arguments: [this] };
    return item;
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
