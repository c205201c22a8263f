import * as vscode from 'vscode';
import { Commands, DEPLOYMENTS_VIEW } from '../ids.js';
import type { CommandContext } from './context.js';
import {
  approveCommand,
  copyNameCommand,
  openDeploymentYamlCommand,
  openObjectDiffCommand,
  retryCommand,
  selectContextsCommand,
  showControllerLogsCommand,
  showLogsCommand,
  showReconcileLogsCommand,
  stopFollowingLogsCommand,
  suspendCommand,
} from './deploymentCommands.js';
import { deployWithLocalSourceCommand } from './localSourceDeploy.js';
import { manyCommand, selectedDeployments, workspaceCommand } from './manyCommands.js';
import { isOptionsArg, requestWithOptionsCommand, REQUEST_WITH_OPTIONS_COMMANDS } from './requestOptions.js';
import { pushCommand } from './pushCommands.js';
import { checkChartUpdatesCommand, pullHelmChartsCommand } from './helmCommands.js';
import { registerCommand as register } from './registry.js';
import { diffWithLocalSourceCommand, REQUEST_COMMANDS, requestCommand } from './requests.js';
import { diffWithLocalSourceAllCommand } from './fleetDiff.js';
import {
  compareResultsCommand,
  compareWithPreviousCommand,
  openLiveObjectCommand,
  openResultObjectCommand,
  openResultCommand,
  validateNowCommand,
} from './historyCommands.js';

/** Registers every command; each returns its result so tests can look at what it did. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    register(Commands.refresh, () => {
      ctx.projects.rescan();
      ctx.clusters.reload();
    }),
    register(Commands.selectContexts, () => selectContextsCommand(ctx)),
    register(Commands.retry, (node) => retryCommand(ctx, node)),
    register(Commands.suspend, (node, selection) => suspendCommand(ctx, node, true, selection)),
    register(Commands.resume, (node, selection) => suspendCommand(ctx, node, false, selection)),
    register(Commands.approve, (node) => approveCommand(ctx, node)),
    register(Commands.showLogs, (node) => showLogsCommand(ctx, node)),
    register(Commands.openDeploymentYaml, (node) => openDeploymentYamlCommand(ctx, node)),
    register(Commands.copyName, (node) => copyNameCommand(ctx, node)),
    register(Commands.openObjectDiff, (node) => openObjectDiffCommand(ctx, node)),
    register(Commands.showOutput, () => ctx.output.show()),
    register(Commands.diffWithLocalSource, (node) => diffWithLocalSourceCommand(ctx, node)),
    register(Commands.renderTarget, (arg) => pushCommand(ctx, 'Render', arg)),
    register(Commands.diffTarget, (arg) => pushCommand(ctx, 'Diff', arg)),
    register(Commands.deployTarget, (arg) => pushCommand(ctx, 'Deploy', arg)),
    register(Commands.pruneTarget, (arg) => pushCommand(ctx, 'Prune', arg)),
    ...REQUEST_COMMANDS.map(([id, kind]) =>
      register(id, (node, selection) => {
        const many = kind === 'reconcile' ? selectedDeployments(node, selection) : undefined;
        return many ? manyCommand(ctx, 'reconcile', many) : requestCommand(ctx, kind, node);
      }),
    ),
    ...REQUEST_WITH_OPTIONS_COMMANDS.map(([id, kind]) =>
      register(id, (node, options) =>
        requestWithOptionsCommand(ctx, kind, node, isOptionsArg(options) ? options : undefined),
      ),
    ),
    register(Commands.deployWithLocalSource, (node) => deployWithLocalSourceCommand(ctx, node)),
    register(Commands.stopFollowingLogs, (node) => stopFollowingLogsCommand(ctx, node)),
    register(Commands.showControllerLogs, (node) => showControllerLogsCommand(ctx, node)),
    register(Commands.showReconcileLogs, (node, id) => showReconcileLogsCommand(ctx, node, id)),
    register(Commands.suspendWorkspace, () => workspaceCommand(ctx, 'suspend')),
    register(Commands.resumeWorkspace, () => workspaceCommand(ctx, 'resume')),
    register(Commands.reconcileWorkspace, () => workspaceCommand(ctx, 'reconcile')),
    register(Commands.openResult, (node) => openResultCommand(ctx, node)),
    register(Commands.compareWithPrevious, (node) => compareWithPreviousCommand(ctx, node)),
    register(Commands.compareResults, (node) => compareResultsCommand(ctx, node)),
    register(Commands.openLiveObject, (node) => openLiveObjectCommand(ctx, node)),
    register(Commands.openResultObject, (node) => openResultObjectCommand(ctx, node)),
    register(Commands.validateNow, (node) => validateNowCommand(ctx, node)),
    register(Commands.diffWithLocalSourceAll, () => diffWithLocalSourceAllCommand(ctx)),
    register(Commands.showAlerts, () => vscode.commands.executeCommand(`${DEPLOYMENTS_VIEW}.focus`)),
    register(Commands.pullHelmCharts, (projectDir) => pullHelmChartsCommand(ctx, projectDir)),
    register(Commands.checkChartUpdates, (projectDir) => checkChartUpdatesCommand(ctx, projectDir)),
    register(Commands.selectTarget, (projectDir) => ctx.language?.selectTarget(projectDir)),
    register(Commands.openRenderedPreview, (file) => ctx.language?.openPreview(file)),
  ];
}
