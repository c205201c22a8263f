/**
 * Suspend, Resume and Reconcile on several deployments at once: a multi-selection in the tree, or every deployment
 * of this workspace. One progress notification and one summary for all of them.
 */
import * as vscode from 'vscode';
import { runRequest, setSuspended } from '../../gitops/manualRequests.js';
import { readSettings } from '../config.js';
import { DeploymentNode } from '../tree/nodes.js';
import { requireTrust, signalOf, type CommandContext } from './context.js';

export type ManyAction = 'suspend' | 'resume' | 'reconcile';

const TITLES: Record<ManyAction, string> = { suspend: 'Suspend', resume: 'Resume', reconcile: 'Reconcile' };

/** How each deployment fared. */
export interface ManyResult {
  done: string[];
  failed: Array<{ deployment: string; error: string }>;
}

/** The deployments a command invoked from the tree acts on: the selection when it holds more than one. */
export function selectedDeployments(arg: unknown, selection: unknown): DeploymentNode[] | undefined {
  if (!Array.isArray(selection)) return undefined;
  const nodes = selection.filter((n): n is DeploymentNode => n instanceof DeploymentNode);
  if (nodes.length < 2) return undefined;
  // VS Code passes the clicked node first and the whole selection second; act on the selection.
  return arg instanceof DeploymentNode && !nodes.includes(arg) ? [arg, ...nodes] : nodes;
}

/** Every deployment of this workspace (the tree's matching ones, in every shown context). */
export async function workspaceDeployments(ctx: CommandContext): Promise<DeploymentNode[]> {
  await vscode.window.withProgress(
    { location: { viewId: 'kluctl.deployments' }, title: 'Loading KluctlDeployments' },
    () => ctx.clusters.whenLoaded(15_000),
  );
  return (await ctx.tree.deploymentNodes()).filter((n) => n.project);
}

export async function workspaceCommand(ctx: CommandContext, action: ManyAction): Promise<ManyResult | undefined> {
  const nodes = await workspaceDeployments(ctx);
  if (nodes.length === 0) {
    void vscode.window.showWarningMessage(
      `Kluctl: no KluctlDeployment in ${ctx.clusters.selectedContexts().join(', ') || 'the current context'} deploys this workspace.`,
    );
    return undefined;
  }
  return manyCommand(ctx, action, nodes);
}

/** Runs the action on every node, at most four at a time; cancelling stops waiting for the rest. */
export async function manyCommand(
  ctx: CommandContext,
  action: ManyAction,
  nodes: DeploymentNode[],
): Promise<ManyResult | undefined> {
  const title = TITLES[action];
  if (!requireTrust(title)) return undefined;
  const names = nodes.map((n) => `${n.label} (${n.context})`);
  if (readSettings().confirmClusterChanges && nodes.length > 1) {
    const answer = await vscode.window.showWarningMessage(
      `${title} ${nodes.length} KluctlDeployments?`,
      { modal: true, detail: names.join('\n') },
      title,
    );
    if (answer !== title) return undefined;
  }
  const settings = readSettings();
  const result: ManyResult = { done: [], failed: [] };
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Kluctl ${title} ${nodes.length} deployments`,
      cancellable: true,
    },
    async (progress, token) => {
      const signal = signalOf(token);
      const queue = nodes.map((node, i) => ({ node, name: names[i] }));
      const worker = async (): Promise<void> => {
        for (let item = queue.shift(); item && !signal.aborted; item = queue.shift()) {
          const { node, name } = item;
          const client = ctx.clusters.client(node.context);
          const ref = { namespace: node.namespace, name: node.name };
          try {
            if (action === 'reconcile') {
              const outcome = await runRequest(client, ref, 'reconcile', {
                signal,
                startTimeoutMs: settings.requestStartTimeoutSeconds * 1000,
                controllerNamespace: settings.controllerNamespace,
              });
              if (outcome.commandError) throw new Error(outcome.commandError);
            } else {
              await setSuspended(client, ref, action === 'suspend', {
                signal,
                timeoutMs: settings.requestStartTimeoutSeconds * 1000,
              });
            }
            result.done.push(name);
          } catch (error) {
            result.failed.push({ deployment: name, error: (error as Error).message });
          }
          progress.report({
            message: `${result.done.length + result.failed.length}/${nodes.length}`,
            increment: 100 / nodes.length,
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, nodes.length) }, worker));
    },
  );
  for (const name of result.done) ctx.output.log.info(`${title} ${name}: done`);
  for (const f of result.failed) ctx.output.log.error(`${title} ${f.deployment}: ${f.error}`);
  const summary = `Kluctl ${title}: ${result.done.length} of ${nodes.length} done`;
  if (result.failed.length > 0)
    void vscode.window
      .showErrorMessage(
        `${summary}, ${result.failed.length} failed (${result.failed[0].deployment}: ${result.failed[0].error})`,
        'Show Output',
      )
      .then((c) => c && ctx.output.show());
  else void vscode.window.showInformationMessage(`${summary}.`);
  return result;
}
