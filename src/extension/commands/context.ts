import * as vscode from 'vscode';
import type { EngineRunner } from '../../engine/worker/request.js';
import type { DeploymentRef } from '../../gitops/deploymentApi.js';
import type { KubeClient } from '../../kube/client.js';
import type { Clusters } from '../clusters.js';
import type { DocumentStore } from '../documents/documentStore.js';
import type { LogChannels } from '../logChannels.js';
import type { Output } from '../output.js';
import type { DeploymentsTree } from '../tree/deploymentsTree.js';
import { DeploymentNode } from '../tree/nodes.js';
import type { WorkspaceProjects } from '../workspaceProjects.js';
import type { LanguageFeatures } from '../language/index.js';

/** What every command works with; built once in activate(). */
export interface CommandContext {
  clusters: Clusters;
  projects: WorkspaceProjects;
  tree: DeploymentsTree;
  documents: DocumentStore;
  output: Output;
  logs: LogChannels;
  /** Runs bundled-engine commands off the extension host's thread (a memory-limited worker). */
  engine: EngineRunner;
  /** Diagnostics, hover, variables and previews of the workspace's projects (absent in command-only tests). */
  language?: LanguageFeatures;
}

/** A deployment a command acts on: from the tree node it was run on, or picked. */
export interface Target {
  context: string;
  ref: DeploymentRef;
  client: KubeClient;
  node: DeploymentNode;
}

/**
 * The deployment for a command: the tree node it was invoked on; from the palette, the one deploying this
 * workspace, else a quick pick (matching deployments first).
 */
export async function resolveTarget(ctx: CommandContext, arg: unknown, action: string): Promise<Target | undefined> {
  let node = arg instanceof DeploymentNode ? arg : undefined;
  if (!node) {
    await vscode.window.withProgress(
      { location: { viewId: 'kluctl.deployments' }, title: 'Loading KluctlDeployments' },
      () => ctx.clusters.whenLoaded(15_000),
    );
    const nodes = await ctx.tree.deploymentNodes();
    const matching = nodes.filter((n) => n.project);
    if (matching.length === 1) node = matching[0];
    else node = await pickDeployment(matching.length > 0 ? matching : nodes, action);
    if (!node) {
      if (nodes.length === 0)
        void vscode.window.showWarningMessage(
          `No KluctlDeployments found in ${ctx.clusters.selectedContexts().join(', ') || 'any context'}.`,
        );
      return undefined;
    }
  }
  return {
    context: node.context,
    ref: { namespace: node.namespace, name: node.name },
    client: ctx.clusters.client(node.context),
    node,
  };
}

async function pickDeployment(nodes: DeploymentNode[], action: string): Promise<DeploymentNode | undefined> {
  if (nodes.length === 0) return undefined;
  const items = nodes.map((node) => ({
    label: node.label,
    description: `${node.context}${node.project ? ' · deploys this workspace' : ''}`,
    detail: node.status.summary,
    node,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Kluctl: ${action}`,
    placeHolder: 'Choose a KluctlDeployment',
    matchOnDescription: true,
  });
  return picked?.node;
}

/** Refuses cluster writes in an untrusted workspace, saying why. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`Kluctl: ${action} needs a trusted workspace.`);
  return false;
}

/**
 * Turns an AbortSignal out of a CancellationToken. The token's listener is disposed when it fires; tokens of
 * `withProgress` are disposed with their progress, which drops a listener that never fired.
 */
export function signalOf(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else {
    const listener = token.onCancellationRequested(() => {
      listener.dispose();
      controller.abort();
    });
  }
  return controller.signal;
}
