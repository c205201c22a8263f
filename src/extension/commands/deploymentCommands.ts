import * as vscode from 'vscode';
import { stringify } from 'yaml';
import { approveDeployment, setSuspended } from '../../gitops/manualRequests.js';
import { cleanManifest, objectDiffs, YAML_OPTIONS } from '../../gitops/resultDocuments.js';
import { readSettings } from '../config.js';
import { ContextNode, DeploymentNode, DriftObjectNode, MessageNode } from '../tree/nodes.js';
import { requireTrust, resolveTarget, signalOf, type CommandContext } from './context.js';
import { manyCommand, selectedDeployments } from './manyCommands.js';

export async function suspendCommand(
  ctx: CommandContext,
  arg: unknown,
  suspend: boolean,
  selection?: unknown,
): Promise<unknown> {
  const many = selectedDeployments(arg, selection);
  if (many) return manyCommand(ctx, suspend ? 'suspend' : 'resume', many);
  const action = suspend ? 'Suspend' : 'Resume';
  if (!requireTrust(action)) return;
  const target = await resolveTarget(ctx, arg, action);
  if (!target) return;
  const label = `${target.ref.namespace}/${target.ref.name}`;
  try {
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Kluctl ${action} ${label} (${target.context})`,
        cancellable: true,
      },
      (progress, token) => {
        progress.report({ message: 'Waiting for the kluctl-controller to observe it…' });
        return setSuspended(target.client, target.ref, suspend, {
          signal: signalOf(token),
          timeoutMs: readSettings().requestStartTimeoutSeconds * 1000,
        });
      },
    );
    ctx.output.log.info(`${action} ${label} on ${target.context}: done`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Kluctl ${action} ${label}: ${(error as Error).message}`);
  }
}

export async function approveCommand(ctx: CommandContext, arg: unknown): Promise<void> {
  if (!requireTrust('Approve')) return;
  const target = await resolveTarget(ctx, arg, 'Approve');
  if (!target) return;
  const label = `${target.ref.namespace}/${target.ref.name}`;
  if (readSettings().confirmClusterChanges) {
    const answer = await vscode.window.showWarningMessage(
      `Approve the rendered objects of ${label} on ${target.context}?`,
      {
        modal: true,
        detail:
          'The kluctl-controller deploys the currently rendered objects of this manual-mode deployment. Diff it first if unsure.',
      },
      'Approve',
    );
    if (answer !== 'Approve') return;
  }
  try {
    await approveDeployment(target.client, target.ref);
    ctx.output.log.info(`Approved ${label} on ${target.context}`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Kluctl Approve ${label}: ${(error as Error).message}`);
  }
}

/** Shows a deployment's logs and follows them (the status bar item, or Stop Following Logs, stops). */
export async function showLogsCommand(ctx: CommandContext, arg: unknown): Promise<void> {
  const target = await resolveTarget(ctx, arg, 'Show Logs');
  if (!target) return;
  ctx.logs.channel(target.ref).show(true);
  if (!ctx.logs.isFollowing(target.ref)) ctx.logs.follow(target.client, target.context, target.ref);
}

/** Stops following: the deployment's logs when run on one, else every followed channel. */
export function stopFollowingLogsCommand(ctx: CommandContext, arg: unknown): number {
  if (arg instanceof DeploymentNode) return ctx.logs.stopFollowing({ namespace: arg.namespace, name: arg.name });
  return ctx.logs.stopFollowing();
}

/** Every line of the kluctl-controller of a context (the node's, else the first shown), followed. */
export async function showControllerLogsCommand(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const context =
    arg instanceof DeploymentNode || arg instanceof ContextNode
      ? arg.context
      : await pickContext(ctx, 'Show All Controller Logs');
  if (!context) return undefined;
  ctx.logs.controllerChannel(context).show(true);
  if (!ctx.logs.isFollowing(undefined, context)) ctx.logs.follow(ctx.clusters.client(context), context, undefined);
  return context;
}

async function pickContext(ctx: CommandContext, action: string): Promise<string | undefined> {
  const contexts = ctx.clusters.views().map((v) => v.name);
  if (contexts.length <= 1) return contexts[0];
  return vscode.window.showQuickPick(contexts, { title: `Kluctl: ${action}`, placeHolder: 'Context' });
}

/** Lists the deployment's recent reconciliations; the chosen one's lines (only) go to its log channel. */
export async function showReconcileLogsCommand(
  ctx: CommandContext,
  arg: unknown,
  reconcileId?: string,
): Promise<number | undefined> {
  const target = await resolveTarget(ctx, arg, 'Show Logs of a Reconciliation');
  if (!target) return undefined;
  let id = typeof reconcileId === 'string' ? reconcileId : undefined;
  try {
    if (!id) {
      const entries = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Reading kluctl-controller logs' },
        (_p, token) => ctx.logs.reconciles(target.client, target.node.kd, signalOf(token)),
      );
      if (entries.length === 0) {
        void vscode.window.showInformationMessage(
          `Kluctl: no reconciliation of ${target.ref.namespace}/${target.ref.name} in the status or the last hour of logs.`,
        );
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(
        entries.map((e) => ({
          label: e.what,
          description: `${e.start?.toLocaleString() ?? 'unknown time'} · ${e.lines} lines`,
          detail: `reconcile id ${e.reconcileId}`,
          id: e.reconcileId,
        })),
        {
          title: `Kluctl: logs of a reconciliation of ${target.ref.namespace}/${target.ref.name}`,
          matchOnDetail: true,
        },
      );
      id = picked?.id;
    }
    if (!id) return undefined;
    ctx.logs.channel(target.ref).show(true);
    const count = await ctx.logs.showReconcile(target.client, target.ref, id);
    if (count === 0)
      ctx.logs
        .channel(target.ref)
        .info(`No log lines for reconciliation ${id} (they may be older than the logs kept).`);
    return count;
  } catch (error) {
    ctx.logs.channel(target.ref).error((error as Error).message);
    return undefined;
  }
}

export async function openDeploymentYamlCommand(ctx: CommandContext, arg: unknown): Promise<vscode.Uri | undefined> {
  const target = await resolveTarget(ctx, arg, 'Open KluctlDeployment YAML');
  if (!target) return undefined;
  const uri = ctx.documents.put(
    `/deployments/${target.context}/${target.ref.namespace}/${target.ref.name}.yaml`,
    stringify(cleanManifest(target.node.kd), YAML_OPTIONS),
  );
  await vscode.window.showTextDocument(uri, { preview: true });
  return uri;
}

export async function copyNameCommand(ctx: CommandContext, arg: unknown): Promise<void> {
  const target = await resolveTarget(ctx, arg, 'Copy Name');
  if (target) await vscode.env.clipboard.writeText(`${target.ref.namespace}/${target.ref.name}`);
}

/** Opens one drifted object of the last drift detection in a side-by-side diff. */
export async function openObjectDiffCommand(ctx: CommandContext, node: unknown): Promise<void> {
  if (!(node instanceof DriftObjectNode)) return;
  const [diff] = objectDiffs({ objects: [node.object] }, undefined, { revealSecrets: readSettings().revealSecrets });
  if (!diff) return;
  const base = `/drift/${node.deployment.context}/${node.deployment.namespace}/${node.deployment.name}/${diff.ref.kind}-${diff.ref.name}`;
  const left = ctx.documents.put(`${base}.yaml`, diff.left ?? '', 'cluster');
  const right = ctx.documents.put(`${base}.yaml`, diff.right ?? '', 'project');
  await vscode.commands.executeCommand(
    'vscode.diff',
    left,
    right,
    `${diff.ref.kind}/${diff.ref.name} (cluster ↔ project)`,
  );
}

export function retryCommand(ctx: CommandContext, node: unknown): void {
  if (node instanceof MessageNode) ctx.clusters.retry(node.context);
  else ctx.clusters.reload();
}

export async function selectContextsCommand(ctx: CommandContext): Promise<void> {
  const snapshot = ctx.clusters.snapshot();
  if (snapshot.problem) {
    void vscode.window.showWarningMessage(`Kluctl: ${snapshot.problem}`);
    return;
  }
  const selected = new Set(ctx.clusters.selectedContexts());
  const picked = await vscode.window.showQuickPick(
    snapshot.contexts.map((name) => ({
      label: name,
      description: name === snapshot.current ? 'current context' : undefined,
      picked: selected.has(name),
    })),
    {
      canPickMany: true,
      title: 'Kluctl: contexts to show',
      placeHolder: 'None selected means the current context. The kubeconfig is not changed.',
    },
  );
  if (!picked) return;
  await vscode.workspace.getConfiguration('kluctl').update(
    'contexts',
    picked.map((p) => p.label),
    vscode.ConfigurationTarget.Global,
  );
}
