/**
 * Diff with Local Source without a controller: the bundled engine renders the checkout with the deployment's
 * target, args and inclusion, against the context the deployment lives in.
 */

import * as path from 'node:path';
import * as vscode from 'vscode';
import { findControllerPod } from '../../gitops/sourceOverride/controllerPod.js';
import { SourceOverrideError } from '../../gitops/sourceOverride/errors.js';
import { isCancelled } from '../../util/errors.js';
import { connectionSettings } from '../clusters.js';
import { readSettings } from '../config.js';
import type { WorkspaceProject } from '../workspaceProjects.js';
import type { CommandResult } from '../../kluctl/resultTypes.js';
import { signalOf, type CommandContext, type Target } from './context.js';
import { reportCancelled, showEngineDiff, type PushResult } from './pushCommands.js';

/** Whether Diff with Local Source should use the engine: by setting, or (auto) when no controller pod serves the context. */
export async function useEngineForLocalDiff(ctx: CommandContext, target: Target): Promise<boolean> {
  const settings = readSettings();
  if (settings.diffSource !== 'auto') return settings.diffSource === 'engine';
  if (settings.localSourceOverridePort) return false;
  try {
    await findControllerPod(target.client, settings.controllerNamespace);
    return false;
  } catch (error) {
    if (!(error instanceof SourceOverrideError)) throw error;
    ctx.output.log.info(
      `Diff with Local Source of ${target.ref.namespace}/${target.ref.name}: ${error.message} Using the bundled engine.`,
    );
    return true;
  }
}

/** The bundled engine's diff of the checkout for a deployment (unmasked: the caller masks once when showing). */
export function runEngineDiff(
  ctx: CommandContext,
  target: Target,
  project: WorkspaceProject,
  signal: AbortSignal,
  progress?: (message: string) => void,
): Promise<CommandResult> {
  const spec = target.node.kd.spec;
  const projectDir = path.join(project.gitRoot, spec.source.git?.path ?? spec.source.path ?? '');
  const args = Object.entries(spec.args ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return ctx.engine.run(
    {
      command: 'diff',
      options: {
        projectDir,
        target: spec.target,
        targetNameOverride: spec.targetNameOverride,
        args,
        context: target.context,
        ...connectionSettings(),
        sendEveryApply: readSettings().engineSendEveryApply || undefined,
        inclusion: {
          includeTags: spec.includeTags,
          excludeTags: spec.excludeTags,
          includeDeploymentDirs: spec.includeDeploymentDirs,
          excludeDeploymentDirs: spec.excludeDeploymentDirs,
        },
        // Masked once by the caller, after both sides could be compared.
        noObfuscate: true,
      },
    },
    { signal, progress },
  );
}

export async function engineDiffForDeployment(
  ctx: CommandContext,
  target: Target,
  project: WorkspaceProject,
): Promise<PushResult | undefined> {
  const label = `${target.ref.namespace}/${target.ref.name}`;
  try {
    return await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Kluctl Diff with Local Source ${label} (bundled engine)`,
        cancellable: true,
      },
      async (progress, token) => {
        const result = await runEngineDiff(ctx, target, project, signalOf(token), (message) =>
          progress.report({ message }),
        );
        return showEngineDiff(
          ctx,
          label,
          result,
          `Kluctl Diff: ${label} (${target.context}, local source, bundled engine)`,
        );
      },
    );
  } catch (error) {
    if (isCancelled(error)) return reportCancelled(ctx, 'Diff with Local Source', label, error);
    ctx.output.log.error(`Diff with Local Source ${label} (bundled engine): ${(error as Error).message}`);
    void vscode.window.showErrorMessage(`Kluctl Diff with Local Source ${label} failed: ${(error as Error).message}`);
    return undefined;
  }
}
