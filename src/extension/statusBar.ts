import * as vscode from 'vscode';
import { AlertTracker, alertStateOf, summarizeStates, type Alert, type AlertState } from '../gitops/alerts.js';
import { DeploymentSetWatch, type WatchedDeployment } from '../gitops/deploymentSetWatch.js';
import { presentStatus, type PresentedStatus } from '../gitops/status.js';
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
 * for other deployments, off with `kluctl.alerts.notifications`. While the tree's watches run (the Deployments view
 * is visible, or a command loaded them) it reflects what they know. While they are paused, it keeps a light watch of
 * only the workspace's deployments (`kluctl.alerts.watchWhileHidden`), and only once the user opened the view or ran
 * a command in this window: before that, nothing contacts a cluster.
 */
export class AlertsStatusBar extends Disposable {
  private readonly item = this.register(
    vscode.window.createStatusBarItem('kluctl.alerts', vscode.StatusBarAlignment.Left, 10),
  );
  private readonly tracker = new AlertTracker();
  private pending: NodeJS.Timeout | undefined;
  private readonly hidden: DeploymentSetWatch;
  /** Every notification shown, for tests. */
  readonly shown: Alert[] = [];
  /** Each workspace deployment's state as last shown, for tests. */
  states: Array<{ key: string; state: AlertState }> = [];

  constructor(
    private readonly clusters: Clusters,
    private readonly tree: DeploymentsTree,
  ) {
    super();
    this.item.name = 'Kluctl deployments of this workspace';
    this.item.command = Commands.showAlerts;
    this.hidden = new DeploymentSetWatch((context) => clusters.client(context));
    const off = this.hidden.onDidChange(() => this.scheduleUpdate());
    this.register({
      dispose: () => {
        off();
        this.hidden.dispose();
      },
    });
    this.register(clusters.onDidChange(() => this.scheduleUpdate()));
    this.register(clusters.onDidChangeWatching((watching) => void this.onWatching(watching)));
    this.register(clusters.onDidReload(() => this.hidden.reload()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('kluctl.alerts.watchWhileHidden')) void this.onWatching(clusters.isWatching);
      }),
    );
    this.register({ dispose: () => clearTimeout(this.pending) });
  }

  /** Whether the light watch of the workspace's deployments runs now (the view hidden), for tests. */
  get watchingWhileHidden(): boolean {
    return this.hidden.isRunning;
  }

  /** The tree's watches paused (view hidden) or started: the light watch takes over, or ends. */
  private async onWatching(watching: boolean): Promise<void> {
    if (watching || !this.clusters.engaged || !readSettings().alertsWhileHidden) {
      this.hidden.stop();
      this.scheduleUpdate();
      return;
    }
    // The workspace's deployments as last known (the paused watchers keep them).
    const nodes = (await this.tree.deploymentNodes()).filter((n) => n.project);
    if (this.isDisposed || this.clusters.isWatching) return;
    this.hidden.start(
      nodes.map((n): WatchedDeployment => ({ context: n.context, namespace: n.namespace, name: n.name })),
    );
  }

  /** The item's text and tooltip now, for tests. */
  get text(): string {
    return this.item.text;
  }

  private scheduleUpdate(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.update(), 200);
  }

  /** The workspace's deployments and their statuses: from the light watch while it runs, else from the tree. */
  private async workspaceStatuses(): Promise<Array<{ key: string; status: PresentedStatus }>> {
    const nodes = (await this.tree.deploymentNodes()).filter((n) => n.project);
    if (!this.hidden.isRunning || this.clusters.isWatching)
      return nodes.map((n) => ({ key: `${n.context}/${n.label}`, status: n.status }));
    const now = new Date();
    const live = new Map(this.hidden.deployments().map((d) => [`${d.context}/${d.namespace}/${d.name}`, d.kd]));
    return nodes.map((n) => {
      const key = `${n.context}/${n.label}`;
      const kd = live.get(key);
      return { key, status: kd ? presentStatus(kd, now) : n.status };
    });
  }

  async update(): Promise<void> {
    if (this.isDisposed) return;
    const statuses = await this.workspaceStatuses();
    if (statuses.length === 0) {
      this.states = [];
      this.item.hide();
      return;
    }
    const current = statuses.map(({ key, status }) => ({
      key,
      state: alertStateOf(status),
      summary: status.summary,
    }));
    this.states = current.map(({ key, state }) => ({ key, state }));
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
