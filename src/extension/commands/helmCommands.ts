/**
 * **Pull Helm Charts** (`kluctl helm-pull`) and **Check for Chart Updates** (`kluctl helm-update`: the newer
 * versions shown, the chosen one written into helm-chart.yaml on request) for a project of the workspace.
 * Credentials come from `KLUCTL_HELM_*` in the editor's environment, as kluctl reads them.
 */

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChartUpdate } from '../../engine/helm/helm-pull.js';
import { isCancelled } from '../../util/errors.js';
import { requireTrust, signalOf, type CommandContext } from './context.js';
import { projectDirs } from './pushCommands.js';
import { runCommand } from './registry.js';
import { Commands } from '../ids.js';
import { onDemand } from '../onDemandLoader.js';

/** What the commands did, for tests and callers. */
export interface HelmCommandResult {
  projectDir: string;
  updates?: ChartUpdate[];
  /** helm-chart.yaml (relative) → the version written into it. */
  applied?: Record<string, string>;
}

async function pickProject(arg: unknown, title: string): Promise<string | undefined> {
  if (typeof arg === 'string' && arg) return arg;
  const dirs = await projectDirs();
  if (dirs.length === 0) {
    void vscode.window.showWarningMessage('Kluctl: no Kluctl project (a .kluctl.yaml) in this workspace.');
    return undefined;
  }
  if (dirs.length === 1) return dirs[0];
  return (
    await vscode.window.showQuickPick(
      dirs.map((d) => ({ label: path.basename(d), description: d, d })),
      { title, placeHolder: 'Choose a project' },
    )
  )?.d;
}

async function withHelmProgress<T>(
  ctx: CommandContext,
  title: string,
  fn: (signal: AbortSignal, log: (line: string) => void) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) =>
        fn(signalOf(token), (line) => {
          ctx.output.log.info(`${title}: ${line}`);
          progress.report({ message: line });
        }),
    );
  } catch (error) {
    if (isCancelled(error)) {
      void vscode.window.showInformationMessage(`${title}: cancelled`);
      return undefined;
    }
    ctx.output.log.error(`${title}: ${(error as Error).message}`);
    void vscode.window
      .showErrorMessage(`${title} failed: ${(error as Error).message}`, 'Show Output')
      .then((c) => c && ctx.output.show());
    return undefined;
  }
}

export async function pullHelmChartsCommand(ctx: CommandContext, arg: unknown): Promise<HelmCommandResult | undefined> {
  if (!requireTrust('Pull Helm Charts')) return undefined;
  const projectDir = await pickProject(arg, 'Kluctl: Pull Helm Charts');
  if (!projectDir) return undefined;
  const title = `Kluctl: Pull Helm Charts (${path.basename(projectDir)})`;
  const actions = await withHelmProgress(ctx, title, (signal, log) =>
    onDemand().then((m) => m.pullHelmCharts(projectDir, signal, log)),
  );
  if (actions === undefined) return undefined;
  void vscode.window.showInformationMessage(
    `Kluctl: ${actions === 0 ? 'no repository charts to pull' : `${actions} chart action(s) done`} in .helm-charts of ${path.basename(projectDir)}.`,
  );
  return { projectDir };
}

export async function checkChartUpdatesCommand(
  ctx: CommandContext,
  arg: unknown,
): Promise<HelmCommandResult | undefined> {
  if (!requireTrust('Check for Chart Updates')) return undefined;
  const projectDir = await pickProject(arg, 'Kluctl: Check for Chart Updates');
  if (!projectDir) return undefined;
  const title = `Kluctl: Check for Chart Updates (${path.basename(projectDir)})`;
  const updates = await withHelmProgress(ctx, title, (signal, log) =>
    onDemand().then((m) => m.chartUpdates(projectDir, signal, log)),
  );
  if (!updates) return undefined;
  const outdated = updates.filter((u) => u.currentVersion !== u.latestVersion);
  if (outdated.length === 0) {
    void vscode.window.showInformationMessage(`Kluctl: all ${updates.length} chart(s) are up to date.`);
    return { projectDir, updates, applied: {} };
  }
  const picked = await vscode.window.showQuickPick(
    outdated.map((u) => ({
      label: `${u.chartName} ${u.currentVersion} → ${u.latestVersion}`,
      description: u.file,
      detail: u.skipUpdate ? 'skipUpdate is set: kluctl helm-update would leave it' : u.repo,
      u,
    })),
    { title, placeHolder: 'Charts with a newer version: choose one to update', canPickMany: false },
  );
  if (!picked) return { projectDir, updates, applied: {} };
  const u = picked.u;
  const newer = (await onDemand()).newerVersions(u.versions, u.currentVersion);
  const version = await vscode.window.showQuickPick(
    newer.map((v) => ({
      label: v,
      description: v === u.latestVersion ? 'what kluctl helm-update --upgrade picks' : '',
    })),
    {
      title: `${u.chartName} in ${u.file} (now ${u.currentVersion})`,
      placeHolder: 'Version to write into helm-chart.yaml',
    },
  );
  if (!version) return { projectDir, updates, applied: {} };
  (await onDemand()).writeChartVersion(path.join(projectDir, ...u.file.split('/')), version.label);
  ctx.output.log.info(`${title}: ${u.file}: chartVersion ${u.currentVersion} → ${version.label}`);
  void vscode.window
    .showInformationMessage(
      `Kluctl: ${u.file} now uses ${u.chartName} ${version.label}. Pull it into .helm-charts?`,
      'Pull Helm Charts',
    )
    .then((c) => c && runCommand(Commands.pullHelmCharts, projectDir));
  return { projectDir, updates, applied: { [u.file]: version.label } };
}
