/**
 * The nodes under a deployment for issue 17: Timeline (Events and results), Inventory (objects of the last deploy,
 * drifted ones marked) and Validation (the last validate result per object). Their children are loaded by
 * historyView.ts; these classes only render.
 */
import * as vscode from 'vscode';
import type { InventoryItem } from '../../gitops/inventory.js';
import type { ResultObjectGroup, ResultObjectStatus } from '../../gitops/resultDocuments.js';
import type { ValidationRow } from '../../gitops/resultReport.js';
import { describeEntry, type TimelineEntry } from '../../gitops/timeline.js';
import { objectRefString } from '../../kluctl/results.js';
import { contextValue } from '../contextValue.js';
import { Commands } from '../ids.js';
import type { PresentedStatus } from '../../gitops/status.js';
import type { KluctlDeployment } from '../../kluctl/types.js';
import type { ObjectRef } from '../../kluctl/resultTypes.js';

/** What these nodes need of their deployment's node (nodes.ts creates them: no import back). */
export interface HistoryDeployment {
  readonly context: string;
  readonly namespace: string;
  readonly name: string;
  readonly label: string;
  readonly kd: KluctlDeployment;
  readonly status: PresentedStatus;
}

function deploymentId(d: HistoryDeployment): string {
  return `${d.context}/${d.namespace}/${d.name}`;
}

export class TimelineNode {
  readonly kind = 'timeline';
  constructor(readonly deployment: HistoryDeployment) {}

  get id(): string {
    return `timeline/${deploymentId(this.deployment)}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Timeline', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('history');
    item.description = 'Events and results';
    item.tooltip = new vscode.MarkdownString(
      'Controller Events and stored command/validate results, newest first, live while expanded',
    );
    item.contextValue = contextValue('timeline');
    return item;
  }
}

export class TimelineEntryNode {
  readonly kind = 'timelineEntry';
  constructor(
    readonly deployment: HistoryDeployment,
    readonly entry: TimelineEntry,
    readonly now: Date,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const e = this.entry;
    const d = describeEntry(e, this.now);
    // A command result expands to its objects (loaded when expanded); Events and validate results do not.
    const item = new vscode.TreeItem(
      d.label,
      e.kind === 'result' && e.resultKind === 'command'
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `timeline/${deploymentId(this.deployment)}/${e.kind}/${e.id}`;
    item.description = d.description;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${d.label}** · ${e.time.toLocaleString()}\n\n`);
    if (e.kind === 'event') {
      item.iconPath = new vscode.ThemeIcon(
        e.warning ? 'warning' : 'info',
        new vscode.ThemeColor(e.warning ? 'problemsWarningIcon.foreground' : 'problemsInfoIcon.foreground'),
      );
      md.appendText(e.message);
      item.contextValue = contextValue('event', { warning: e.warning });
    } else {
      item.iconPath = d.failed
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
        : d.warned
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
          : new vscode.ThemeIcon(e.command === 'validate' ? 'heart' : e.command === 'diff' ? 'diff' : 'rocket');
      md.appendMarkdown(`Started by: ${e.initiator}\n\n`);
      for (const p of e.errors)
        md.appendText(`error: ${p.ref?.kind ? `${objectRefString(p.ref)}: ` : ''}${p.message}\n`);
      for (const p of e.warnings)
        md.appendText(`warning: ${p.ref?.kind ? `${objectRefString(p.ref)}: ` : ''}${p.message}\n`);
      item.contextValue = contextValue('result', {
        [e.resultKind]: true,
        [e.command]: true,
        failed: d.failed,
      });
      item.command = { command: Commands.openResult, title: 'Open Result', arguments: [this] };
    }
    item.tooltip = md;
    return item;
  }
}

const STATUS_LABELS: Record<ResultObjectStatus, string> = {
  changed: 'Changed',
  new: 'New',
  deleted: 'Deleted',
  orphan: 'Orphan',
  unchanged: 'Unchanged',
};

const STATUS_ICONS: Record<ResultObjectStatus, [string, string | undefined]> = {
  changed: ['diff-modified', 'gitDecoration.modifiedResourceForeground'],
  new: ['diff-added', 'gitDecoration.addedResourceForeground'],
  deleted: ['diff-removed', 'gitDecoration.deletedResourceForeground'],
  orphan: ['diff-ignored', 'gitDecoration.untrackedResourceForeground'],
  unchanged: ['symbol-object', undefined],
};

/** One group of a command result's objects (changed, new, deleted, orphan, unchanged), read-only. */
export class ResultObjectGroupNode {
  readonly kind = 'resultGroup';
  constructor(
    readonly deployment: HistoryDeployment,
    readonly resultId: string,
    readonly group: ResultObjectGroup,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const g = this.group;
    const item = new vscode.TreeItem(STATUS_LABELS[g.status], vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `timeline/${deploymentId(this.deployment)}/result/${this.resultId}/${g.status}`;
    item.description =
      g.objects.length < g.total ? `${g.objects.length} of ${g.total} (all in the result document)` : `${g.total}`;
    const [codicon, color] = STATUS_ICONS[g.status];
    item.iconPath = new vscode.ThemeIcon(codicon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = contextValue('group', { resultObjects: true, [g.status]: true });
    return item;
  }

  children(): ResultObjectNode[] {
    return this.group.objects.map((o) => new ResultObjectNode(this.deployment, this.resultId, this.group.status, o));
  }
}

/** An object of a stored command result: opens its diff (changed) or its masked manifest. */
export class ResultObjectNode {
  readonly kind = 'resultObject';
  constructor(
    readonly deployment: HistoryDeployment,
    readonly resultId: string,
    readonly status: ResultObjectStatus,
    readonly object: { ref: ObjectRef; hook: boolean },
  ) {}

  get ref(): ObjectRef {
    return this.object.ref;
  }

  toTreeItem(): vscode.TreeItem {
    const ref = this.object.ref;
    const item = new vscode.TreeItem(`${ref.kind}/${ref.name}`, vscode.TreeItemCollapsibleState.None);
    item.id = `timeline/${deploymentId(this.deployment)}/result/${this.resultId}/${this.status}/${objectRefString(ref)}`;
    item.description = [ref.namespace, this.object.hook ? 'hook' : undefined].filter(Boolean).join(' · ');
    const [codicon, color] = STATUS_ICONS[this.status];
    item.iconPath = new vscode.ThemeIcon(codicon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = contextValue('object', { result: true, [this.status]: true });
    item.command = {
      command: Commands.openResultObject,
      title: this.status === 'changed' ? 'Open Diff' : 'Open YAML',
      arguments: [this],
    };
    return item;
  }
}

export class InventoryNode {
  readonly kind = 'inventory';
  constructor(readonly deployment: HistoryDeployment) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Inventory', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `inventory/${deploymentId(this.deployment)}`;
    item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    const drift = this.deployment.status.drift;
    item.description = drift?.hasDrift ? `from the last deploy · drift: ${drift.message}` : 'from the last deploy';
    item.contextValue = contextValue('inventory');
    return item;
  }
}

export class InventoryObjectNode {
  readonly kind = 'inventoryObject';
  constructor(
    readonly deployment: HistoryDeployment,
    readonly item: InventoryItem,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const ref = this.item.ref;
    const item = new vscode.TreeItem(`${ref.kind}/${ref.name}`, vscode.TreeItemCollapsibleState.None);
    item.id = `inventory/${deploymentId(this.deployment)}/${objectRefString(ref)}`;
    item.description = [
      ref.namespace,
      this.item.hook ? 'hook' : undefined,
      this.item.drift && `drift: ${this.item.drift}`,
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = this.item.drift
      ? new vscode.ThemeIcon('diff-modified', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'))
      : new vscode.ThemeIcon('symbol-object');
    item.contextValue = contextValue('object', { live: true, drift: this.item.drift !== undefined });
    item.command = { command: Commands.openLiveObject, title: 'Open Live YAML', arguments: [this] };
    return item;
  }
}

export class ValidationNode {
  readonly kind = 'validation';
  constructor(readonly deployment: HistoryDeployment) {}

  toTreeItem(): vscode.TreeItem {
    const v = this.deployment.status.lastValidate;
    // Always expandable: a manual validation may be stored before the status names it.
    const item = new vscode.TreeItem('Validation', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `validation/${deploymentId(this.deployment)}`;
    item.iconPath = new vscode.ThemeIcon('heart');
    item.description = v
      ? `${v.ready ? 'ready' : 'not ready'} · ${v.errors} errors · ${v.warnings} warnings`
      : 'not validated yet';
    item.contextValue = contextValue('validation');
    return item;
  }
}

export class ValidationRowNode {
  readonly kind = 'validationRow';
  constructor(
    readonly deployment: HistoryDeployment,
    readonly row: ValidationRow,
    readonly index: number,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const r = this.row;
    const item = new vscode.TreeItem(r.object || '(deployment)', vscode.TreeItemCollapsibleState.None);
    item.id = `validation/${deploymentId(this.deployment)}/${this.index}`;
    item.description = `${r.severity}: ${r.message.split('\n')[0]}`;
    item.tooltip = r.message;
    item.iconPath =
      r.severity === 'error'
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
        : r.severity === 'warning'
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
          : new vscode.ThemeIcon('info');
    item.contextValue = contextValue('info', { [r.severity]: true });
    return item;
  }
}

export type HistoryTreeNode =
  | TimelineNode
  | TimelineEntryNode
  | ResultObjectGroupNode
  | ResultObjectNode
  | InventoryNode
  | InventoryObjectNode
  | ValidationNode
  | ValidationRowNode;
