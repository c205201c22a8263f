import * as vscode from 'vscode';
import { AlertTracker, alertStateOf, summarizeStates, type Alert, type AlertState } from '../gitops/alerts.js';
import type { Clusters } from './clusters.js';
import { readSettings } from './config.js';
import { Disposable } from './disposable.js';
import { Commands } from './ids.js';
import type { DeploymentsTree } from './tree/deploymentsTree.js';

const ICONS: Record<AlertState, string> = {
  failed: '$(error)',
  approval: '$(warning)',
  drift: '$(diff)',
  reconciling: '$(sync~spin)',
  unknown: '$(question)',
  suspended: '$(debug-pause)',
  ready: '$(pass)',
};

/**
 * One status bar item for the deployments of this workspace (ready / reconciling / failed / drift / awaiting
 * approval), and a notification when one of them turns failed, drifted or awaits approval: once per change, never
 * for other deployments, off with `kluctl.alerts.notifications`. It reflects what the tree's watches know (they run
 * while the Deployments view is visible, or a command loaded them).
 */
export class AlertsStatusBar extends Disposable {
  private readonly item = this.register(
    vscode.window.createStatusBarItem('kluctl.alerts', vscode.StatusBarAlignment.Left, 10),
  );
  private readonly tracker = new AlertTracker();
  private pending: NodeJS.Timeout | undefined;
  /** Every notification shown, for tests. */
  readonly shown: Alert[] = [];

  constructor(
    clusters: Clusters,
    private readonly tree: DeploymentsTree,
  ) {
    super();
    this.item.name = 'Kluctl deployments of this workspace';
    this.item.command = Commands.showAlerts;
    this.register(clusters.onDidChange(() => this.scheduleUpdate()));
    this.register({ dispose: () => clearTimeout(this.pending) });
  }

  /** The item's text and tooltip now, for tests. */
  get text(): string {
    return this.item.text;
  }

  private scheduleUpdate(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.update(), 200);
  }

  async update(): Promise<void> {
    if (this.isDisposed) return;
    const nodes = (await this.tree.deploymentNodes()).filter((n) => n.project);
    if (nodes.length === 0) {
      this.item.hide();
      return;
    }
    const current = nodes.map((n) => ({
      key: `${n.context}/${n.label}`,
      state: alertStateOf(n.status),
      summary: n.status.summary,
    }));
    const summary = summarizeStates(current.map((c) => c.state));
    this.item.text = `${ICONS[summary.worst ?? 'ready']} Kluctl: ${summary.text}`;
    const md = new vscode.MarkdownString(undefined, true);
    for (const c of current) md.appendMarkdown(`${ICONS[c.state]} \`${c.key}\` ${c.state}\n\n`);
    this.item.tooltip = md;
    this.item.backgroundColor =
      summary.worst === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
    const alerts = this.tracker.update(current);
    if (!readSettings().alertNotifications) return;
    for (const alert of alerts) this.notify(alert);
  }

  private notify(alert: Alert): void {
    this.shown.push(alert);
    if (this.shown.length > 100) this.shown.shift();
    const what = alert.state === 'failed' ? 'failed' : alert.state === 'drift' ? 'drifted' : 'awaits manual approval';
    const message = `Kluctl: ${alert.key} ${what}${alert.summary ? `: ${alert.summary}` : ''}`;
    const show = alert.state === 'failed' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(message, 'Show Deployments').then((choice) => {
      if (choice) void vscode.commands.executeCommand(Commands.showAlerts);
    });
  }
}
