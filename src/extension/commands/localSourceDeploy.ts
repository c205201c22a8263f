/**
 * Deploy with Local Source: kluctl's CLI uploads the checkout implicitly on every gitops command; here it is an
 * explicit step. First the diff of the uncommitted checkout, then a confirmation naming the context, the deployment
 * and what will be uploaded, and only then the deploy with the source override. Cancelling uploads nothing.
 */
import * as vscode from 'vscode';
import { repoKeyString } from '../../kluctl/repoKey.js';
import { buildOverridesPatch } from '../overridesPatch.js';
import { listSourceTree } from '../../gitops/sourceOverride/sourceTree.js';
import { requireTrust, resolveTarget, type CommandContext } from './context.js';
import { diffWithLocalSourceCommand, runWithLocalSource, type RequestCommandResult } from './requests.js';

export const DEPLOY_LOCAL_BUTTON = 'Deploy Local Source';

export async function deployWithLocalSourceCommand(
  ctx: CommandContext,
  arg: unknown,
): Promise<RequestCommandResult | undefined> {
  if (!requireTrust('Deploy with Local Source')) return undefined;
  const target = await resolveTarget(ctx, arg, 'Deploy with Local Source');
  if (!target) return undefined;
  const project = target.node.project ?? (await ctx.projects.matching(target.node.kd))[0];
  if (!project) {
    void vscode.window.showWarningMessage(
      `Kluctl: ${target.ref.namespace}/${target.ref.name} does not deploy a Git checkout of this workspace, so there is no local source to deploy.`,
    );
    return undefined;
  }
  const label = `${target.ref.namespace}/${target.ref.name}`;
  // 1. The diff of exactly what would be deployed (it handles unsaved files too).
  const diff = await diffWithLocalSourceCommand(ctx, target.node);
  if (!diff) return undefined;

  // 2. What would be uploaded, and a confirmation that names it.
  let files = 0;
  let bytes = 0;
  try {
    const entries = await listSourceTree(project.gitRoot);
    for (const e of entries)
      if (e.type === 'file') {
        files++;
        bytes += e.size;
      }
  } catch (error) {
    void vscode.window.showErrorMessage(`Kluctl Deploy with Local Source ${label}: ${(error as Error).message}`);
    return undefined;
  }
  const size = bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  const answer = await vscode.window.showWarningMessage(
    `Deploy ${label} on ${target.context} from your local checkout?`,
    {
      modal: true,
      detail: `The kluctl-controller in context "${target.context}" will deploy ${label} from the working tree ${project.gitRoot} (uncommitted changes included) instead of ${repoKeyString(project.repoKey)}. ${files} files (${size}, ignored files left out) will be uploaded for this one request.${target.node.status.suspended ? '' : ' The deployment is not suspended: its next regular reconcile deploys the Git source again.'}`,
    },
    DEPLOY_LOCAL_BUTTON,
  );
  if (answer !== DEPLOY_LOCAL_BUTTON) return undefined;

  // 3. The deploy, with the source override for this request only.
  return runWithLocalSource(ctx, 'deploy', target, project.gitRoot, project.repoKey, (override) =>
    buildOverridesPatch(target.node.kd, {}, [override]),
  );
}
