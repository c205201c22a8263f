import * as vscode from 'vscode';
import { stringify } from 'yaml';
import { approveDeployment, setSuspended } from '../../gitops/manualRequests.js';
import { cleanManifest, objectDiffs, YAML_OPTIONS } from '../../gitops/resultDocuments.js';
import { readSettings } from '../config.js';
import { DriftObjectNode, MessageNode } from '../tree/nodes.js';
import { requireTrust, resolveTarget, signalOf, type CommandContext } from './context.js';

export async function suspendCommand(ctx: CommandContext, arg: unknown, suspend: boolean): Promise<void> {
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

export async function showLogsCommand(ctx: CommandContext, arg: unknown): Promise<void> {
  const target = await resolveTarget(ctx, arg, 'Show Logs');
  if (!target) return;
  const channel = ctx.logs.channel(target.ref);
  channel.show(true);
  try {
    const count = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Reading kluctl-controller logs' },
      (_p, token) => ctx.logs.stream(target.client, target.ref, { follow: false, signal: signalOf(token) }),
    );
    if (count === 0) channel.info(`No controller log lines for ${target.ref.namespace}/${target.ref.name} yet.`);
  } catch (error) {
    channel.error((error as Error).message);
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
