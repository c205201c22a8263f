/**
 * Diff with Local Source (All Matching Deployments): the uncommitted checkout against every deployment of this
 * workspace in the selected contexts, one after the other through the same path as Diff with Local Source, shown
 * in one multi-file diff grouped by context and deployment.
 */
import * as vscode from 'vscode';
import { mergeSourceOverrides } from '../../gitops/requests.js';
import { commandResultDiffs, type ObjectDiff } from '../../gitops/resultDocuments.js';
import { readSettings } from '../config.js';
import { requireTrust, signalOf, type CommandContext, type Target } from './context.js';
import { runEngineDiff, useEngineForLocalDiff } from './engineDiff.js';
import { workspaceDeployments } from './manyCommands.js';
import { runWithLocalSource } from './requests.js';

export interface FleetGroup {
  context: string;
  deployment: string;
  diffs: ObjectDiff[];
  error?: string;
}

export interface FleetDiffOutcome {
  groups: FleetGroup[];
  opened?: Array<[vscode.Uri, vscode.Uri, vscode.Uri]>;
}

export async function diffWithLocalSourceAllCommand(ctx: CommandContext): Promise<FleetDiffOutcome | undefined> {
  const nodes = await workspaceDeployments(ctx);
  if (nodes.length === 0) {
    void vscode.window.showWarningMessage(
      `Kluctl: no KluctlDeployment in ${ctx.clusters.selectedContexts().join(', ') || 'the current context'} deploys this workspace.`,
    );
    return undefined;
  }
  if (!requireTrust('Uploading the local source')) return undefined;
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file');
  if (dirty.length > 0) {
    const choice = await vscode.window.showWarningMessage(
      `${dirty.length} unsaved file(s) would not be part of the diff.`,
      'Save All and Diff',
      'Diff Saved Files',
    );
    if (!choice) return undefined;
    if (choice === 'Save All and Diff') await Promise.all(dirty.map((d) => d.save()));
  }
  const groups: FleetGroup[] = [];
  for (const node of nodes) {
    const target: Target = {
      context: node.context,
      ref: { namespace: node.namespace, name: node.name },
      client: ctx.clusters.client(node.context),
      node,
    };
    const project = node.project!;
    const group: FleetGroup = { context: node.context, deployment: node.label, diffs: [] };
    groups.push(group);
    try {
      if (await useEngineForLocalDiff(ctx, target)) {
        const raw = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `Kluctl Diff with Local Source ${node.label} (${node.context}, bundled engine)`,
            cancellable: true,
          },
          (progress, token) =>
            runEngineDiff(ctx, target, project, signalOf(token), (message) => progress.report({ message })),
        );
        group.diffs = commandResultDiffs(raw, raw.objects, { revealSecrets: readSettings().revealSecrets }).diffs;
      } else {
        const run = await runWithLocalSource(
          ctx,
          'diff',
          target,
          project.gitRoot,
          project.repoKey,
          (override) => ({ spec: { sourceOverrides: mergeSourceOverrides(node.kd.spec.sourceOverrides, [override]) } }),
          { collect: true },
        );
        if (!run) group.error = 'no result (failed or cancelled, see the Kluctl output)';
        else group.diffs = run.diffs ?? [];
        if (run?.outcome.commandError) group.error = run.outcome.commandError;
      }
    } catch (error) {
      group.error = (error as Error).message;
    }
  }
  for (const g of groups)
    ctx.output.log.info(
      `Diff with Local Source ${g.deployment} (${g.context}): ${g.error ? `failed: ${g.error}` : `${g.diffs.length} objects differ`}`,
    );
  const withChanges = groups.filter((g) => g.diffs.length > 0);
  const failed = groups.filter((g) => g.error);
  if (failed.length > 0)
    void vscode.window.showWarningMessage(
      `Kluctl: the diff of ${failed.map((g) => `${g.deployment} (${g.context})`).join(', ')} failed; see the Kluctl output.`,
    );
  if (withChanges.length === 0) {
    void vscode.window.showInformationMessage(
      `Kluctl: the local source changes nothing in ${groups.length} deployment(s).`,
    );
    return { groups };
  }
  const opened = await ctx.documents.showGroupedDiffs(
    `Kluctl Diff with Local Source: ${withChanges.length} of ${groups.length} deployments`,
    withChanges.map((g) => ({ label: `${g.context}/${g.deployment}`, diffs: g.diffs })),
  );
  return { groups, opened };
}
