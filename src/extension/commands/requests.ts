import * as vscode from 'vscode';
import { cleanupDiffResult, runRequest, type RequestOutcome } from '../../gitops/manualRequests.js';
import { repoKeyString, type RepoKey } from '../../kluctl/repoKey.js';
import { mergeSourceOverrides } from '../../gitops/requests.js';
import type { SourceOverrideSession } from '../../gitops/sourceOverride/session.js';
import { readCommandResultDiffs, readValidateResult } from '../../gitops/maskedResults.js';
import { countObjects } from '../../kluctl/results.js';
import type { CommandResult } from '../../kluctl/resultTypes.js';
import type { RequestKind, SourceOverride } from '../../kluctl/types.js';
import { isCancelled } from '../../util/errors.js';
import { readSettings } from '../config.js';
import { Commands } from '../ids.js';
import { requireTrust, resolveTarget, signalOf, type CommandContext, type Target } from './context.js';
import { engineDiffForDeployment, useEngineForLocalDiff } from './engineDiff.js';
import type { PushResult } from './pushCommands.js';
import { runCommand } from './registry.js';
import type { ObjectDiff } from '../../gitops/resultDocuments.js';
import { onDemand } from '../onDemandLoader.js';

export const TITLES: Record<RequestKind, string> = {
  reconcile: 'Reconcile',
  diff: 'Diff',
  deploy: 'Deploy',
  prune: 'Prune',
  validate: 'Validate',
};

/** What a finished request left for the user to look at. */
export interface RequestCommandResult {
  outcome: RequestOutcome;
  /** For diff/deploy/prune: the URIs opened in the diff editor. */
  opened?: Array<[vscode.Uri, vscode.Uri, vscode.Uri]>;
  /** For validate: whether the validation failed (errors, or warnings with `warningsAsErrors`). */
  failed?: boolean;
  /** For diff/deploy/prune: the stored command result (its `command.dryRun` says whether it was a dry run). */
  result?: CommandResult;
  /** For a diff run with `collect`: the object diffs, not shown. */
  diffs?: ObjectDiff[];
}

/** How a request's result is judged. */
export interface PresentOptions {
  /** Validate: warnings fail the validation, as `kluctl gitops validate --warnings-as-errors`. */
  warningsAsErrors?: boolean;
  /** Diff: return the object diffs instead of opening them (the fleet diff shows many in one editor). */
  collect?: boolean;
}

/** Runs `kluctl.io/request-<kind>` for a deployment with a cancellable progress notification and live logs. */
export async function requestCommand(
  ctx: CommandContext,
  kind: RequestKind,
  arg: unknown,
  overridesPatch?: Record<string, unknown>,
): Promise<RequestCommandResult | undefined> {
  if (kind !== 'diff' && !requireTrust(TITLES[kind])) return undefined;
  const target = await resolveTarget(ctx, arg, TITLES[kind]);
  if (!target) return undefined;
  if (!(await confirm(kind, target))) return undefined;
  return runWithProgress(ctx, kind, target, overridesPatch);
}

async function confirm(kind: RequestKind, target: Target): Promise<boolean> {
  if ((kind !== 'deploy' && kind !== 'prune') || !readSettings().confirmClusterChanges) return true;
  const detail =
    kind === 'prune'
      ? `The kluctl-controller will delete every object of ${target.ref.namespace}/${target.ref.name} that is no longer part of its project, in context "${target.context}".`
      : `The kluctl-controller will deploy ${target.ref.namespace}/${target.ref.name} from its source into context "${target.context}"${target.node.status.suspended ? ' (the deployment stays suspended)' : ''}.`;
  const answer = await vscode.window.showWarningMessage(
    `${TITLES[kind]} ${target.ref.namespace}/${target.ref.name} on ${target.context}?`,
    { modal: true, detail },
    TITLES[kind],
  );
  return answer === TITLES[kind];
}

export async function runWithProgress(
  ctx: CommandContext,
  kind: RequestKind,
  target: Target,
  overridesPatch?: Record<string, unknown>,
  presentOptions: PresentOptions = {},
): Promise<RequestCommandResult | undefined> {
  const label = `${target.ref.namespace}/${target.ref.name}`;
  const settings = readSettings();
  try {
    return await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Kluctl ${TITLES[kind]} ${label} (${target.context})`,
        cancellable: true,
      },
      async (progress, token) => {
        const signal = signalOf(token);
        const logsStop = new AbortController();
        const stopLogs = () => logsStop.abort();
        signal.addEventListener('abort', stopLogs, { once: true });
        let following: Promise<unknown> | undefined;
        progress.report({ message: 'Sending the request…' });
        try {
          const outcome = await runRequest(target.client, target.ref, kind, {
            overridesPatch,
            signal,
            startTimeoutMs: settings.requestStartTimeoutSeconds * 1000,
            controllerNamespace: settings.controllerNamespace,
            onProgress: (p) => {
              if (p.phase === 'requested')
                progress.report({ message: 'Waiting for the kluctl-controller to pick it up…' });
              if (p.phase === 'started') {
                progress.report({ message: `Running (reconcile id ${p.reconcileId.slice(0, 8)})…` });
                // Show Logs may already follow this deployment: its lines would come twice.
                if (ctx.logs.isFollowing(target.ref)) return;
                following = ctx.logs
                  .stream(target.client, target.ref, {
                    reconcileId: p.reconcileId,
                    follow: true,
                    signal: logsStop.signal,
                  })
                  .catch((error: Error) => ctx.output.log.warn(`Logs of ${label}: ${error.message}`));
              }
              if (p.phase === 'finished') progress.report({ message: 'Fetching the result…' });
            },
          });
          // Let the last lines arrive, then stop following.
          setTimeout(() => logsStop.abort(), 1500);
          await following;
          return await present(ctx, kind, target, outcome, presentOptions);
        } finally {
          signal.removeEventListener('abort', stopLogs);
          logsStop.abort();
        }
      },
    );
  } catch (error) {
    if (isCancelled(error)) {
      void vscode.window.showInformationMessage(
        `Kluctl: stopped waiting for ${kind} of ${label}. ${error.message.includes('(') ? error.message.slice(error.message.indexOf('(')) : ''}`,
      );
      return undefined;
    }
    ctx.output.log.error(`${TITLES[kind]} ${label}: ${(error as Error).message}`);
    void vscode.window
      .showErrorMessage(`Kluctl ${TITLES[kind]} ${label} failed: ${(error as Error).message}`, 'Show Logs')
      .then((choice) => {
        if (choice) void runCommand(Commands.showLogs, target.node);
      });
    return undefined;
  }
}

async function present(
  ctx: CommandContext,
  kind: RequestKind,
  target: Target,
  outcome: RequestOutcome,
  presentOptions: PresentOptions,
): Promise<RequestCommandResult> {
  const label = `${target.ref.namespace}/${target.ref.name}`;
  const settings = readSettings();
  ctx.output.log.info(
    `${TITLES[kind]} ${label} finished (reconcile id ${outcome.reconcileId}, result ${outcome.resultId || 'none'})${outcome.commandError ? `: ${outcome.commandError}` : ''}`,
  );
  const showLogs = (): void => void runCommand(Commands.showLogs, target.node);
  if (!outcome.resultId) {
    if (outcome.commandError)
      void vscode.window
        .showErrorMessage(`Kluctl ${TITLES[kind]} ${label}: ${outcome.commandError}`, 'Show Logs')
        .then((c) => c && showLogs());
    else void vscode.window.showInformationMessage(`Kluctl ${TITLES[kind]} ${label} done.`);
    return { outcome };
  }
  if (kind === 'validate') {
    const result = await readValidateResult(target.client, outcome.resultId, { namespace: settings.resultsNamespace });
    const problems = [...(result.errors ?? []), ...(result.warnings ?? [])];
    for (const p of problems)
      ctx.logs.channel(target.ref).warn(`validate: ${p.ref ? `${p.ref.kind}/${p.ref.name}: ` : ''}${p.message}`);
    const failed =
      (result.errors?.length ?? 0) > 0 ||
      (presentOptions.warningsAsErrors === true && (result.warnings?.length ?? 0) > 0);
    const text = `Kluctl validate ${label}: ${failed ? 'failed' : 'succeeded'}${presentOptions.warningsAsErrors ? ' (warnings count as errors)' : ''}, ${result.ready ? 'ready' : 'not ready'}, ${result.errors?.length ?? 0} errors, ${result.warnings?.length ?? 0} warnings.`;
    if (failed) void vscode.window.showErrorMessage(text, 'Show Logs').then((c) => c && showLogs());
    else if (result.ready && problems.length === 0) void vscode.window.showInformationMessage(text);
    else void vscode.window.showWarningMessage(text, 'Show Logs').then((c) => c && showLogs());
    return { outcome, failed };
  }
  const { result, diffs } = await readCommandResultDiffs(target.client, outcome.resultId, {
    namespace: settings.resultsNamespace,
    revealSecrets: settings.revealSecrets,
  });
  if (kind === 'diff') await cleanupDiff(ctx, target, outcome);
  const counts = countObjects(result.objects ?? []);
  const summary = `${counts.new} new, ${counts.changed} changed, ${counts.orphan} orphan, ${counts.deleted} deleted, ${result.errors?.length ?? 0} errors`;
  for (const e of result.errors ?? [])
    ctx.logs.channel(target.ref).error(`${kind}: ${e.ref ? `${e.ref.kind}/${e.ref.name}: ` : ''}${e.message}`);
  const title = `Kluctl ${TITLES[kind]}: ${label} (${target.context})`;
  if (kind === 'diff' && presentOptions.collect) return { outcome, result, diffs };
  if (kind === 'diff') {
    if (diffs.length === 0) {
      void vscode.window.showInformationMessage(
        `Kluctl diff ${label}: no changes.${outcome.commandError ? ` ${outcome.commandError}` : ''}`,
      );
      return { outcome, result };
    }
    const opened = await ctx.documents.showDiffs(title, `${target.context}/${label}`, diffs);
    return { outcome, opened, result };
  }
  const dryRun = result.command?.dryRun === true ? ' (dry run: nothing was changed)' : '';
  const message = `Kluctl ${TITLES[kind]} ${label}${dryRun}: ${summary}.`;
  const show = diffs.length > 0 ? 'Show Changes' : undefined;
  const action = outcome.commandError
    ? vscode.window.showErrorMessage(`${message} ${outcome.commandError}`, 'Show Logs', ...(show ? [show] : []))
    : vscode.window.showInformationMessage(message, ...(show ? [show] : []));
  void action.then((choice) => {
    if (choice === 'Show Logs') showLogs();
    if (choice === 'Show Changes') void ctx.documents.showDiffs(title, `${target.context}/${label}`, diffs);
  });
  return { outcome, result };
}

export const REQUEST_COMMANDS: Array<
  [
    (
      | typeof Commands.reconcile
      | typeof Commands.deploy
      | typeof Commands.prune
      | typeof Commands.validate
      | typeof Commands.diff
    ),
    RequestKind,
  ]
> = [
  [Commands.reconcile, 'reconcile'],
  [Commands.deploy, 'deploy'],
  [Commands.prune, 'prune'],
  [Commands.validate, 'validate'],
  [Commands.diff, 'diff'],
];

/**
 * Diff of the uncommitted checkout: the controller renders the local working tree, uploaded through Kluctl's
 * source-override protocol for exactly this request, instead of the Git commit. The upload is reported.
 */
export async function diffWithLocalSourceCommand(
  ctx: CommandContext,
  arg: unknown,
): Promise<RequestCommandResult | PushResult | undefined> {
  const target = await resolveTarget(ctx, arg, 'Diff with Local Source');
  if (!target) return undefined;
  const project = target.node.project ?? (await ctx.projects.matching(target.node.kd))[0];
  if (!project) {
    void vscode.window.showWarningMessage(
      `Kluctl: ${target.ref.namespace}/${target.ref.name} does not deploy a Git checkout of this workspace, so there is no local source to diff.`,
    );
    return undefined;
  }
  if (!requireTrust('Uploading the local source')) return undefined;
  const unsaved = vscode.workspace.textDocuments.filter(
    (d) => d.isDirty && d.uri.scheme === 'file' && d.uri.fsPath.startsWith(project.gitRoot),
  );
  if (unsaved.length > 0) {
    const choice = await vscode.window.showWarningMessage(
      `${unsaved.length} unsaved file(s) in ${project.gitRoot} would not be part of the diff.`,
      'Save All and Diff',
      'Diff Saved Files',
    );
    if (!choice) return undefined;
    if (choice === 'Save All and Diff') await Promise.all(unsaved.map((d) => d.save()));
  }
  if (await useEngineForLocalDiff(ctx, target)) return engineDiffForDeployment(ctx, target, project);
  return runWithLocalSource(ctx, 'diff', target, project.gitRoot, project.repoKey, (override) => ({
    spec: { sourceOverrides: mergeSourceOverrides(target.node.kd.spec.sourceOverrides, [override]) },
  }));
}

/**
 * A diff or deploy request with the checkout at `gitRoot` served as the source of `repoKey`, for this one request:
 * the upload session starts, `patchOf` builds the request's overridesPatch from its source override, every upload
 * is reported, and the session ends with the request (also on failure).
 */
export async function runWithLocalSource(
  ctx: CommandContext,
  kind: 'diff' | 'deploy',
  target: Target,
  gitRoot: string,
  repoKey: RepoKey,
  patchOf: (override: SourceOverride) => Record<string, unknown> | undefined,
  presentOptions: PresentOptions = {},
): Promise<RequestCommandResult | undefined> {
  const settings = readSettings();
  const label = `${target.ref.namespace}/${target.ref.name}`;
  const title = kind === 'diff' ? 'Diff' : 'Deploy';
  let session: SourceOverrideSession | undefined;
  try {
    session = await (
      await onDemand()
    ).startLocalSourceOverride({
      client: target.client,
      controllerNamespace: settings.controllerNamespace,
      localPort: settings.localSourceOverridePort || undefined,
      gitRoot,
      repoKey,
      onUpload: (u) =>
        ctx.output.log.info(
          `Uploaded ${(u.bytes / 1024).toFixed(1)} KiB (${u.files} files) of ${gitRoot} as ${u.repoKey} for the ${kind} of ${label}`,
        ),
      onUploadFailed: (f) => ctx.output.log.error(`Could not upload ${gitRoot} for ${f.repoKey}: ${f.error}`),
    });
    const result = await runWithProgress(ctx, kind, target, patchOf(session.sourceOverride), presentOptions);
    if (result && session.uploads.length === 0)
      ctx.output.log.warn(
        `The controller did not ask for ${repoKeyString(repoKey)}: the ${kind} ${kind === 'diff' ? 'shows' : 'used'} the Git source.`,
      );
    return result;
  } catch (error) {
    // Cancelling while the override is set up says so, as a cancelled request does; only failures are errors.
    if (isCancelled(error))
      void vscode.window.showInformationMessage(`Kluctl ${title} with Local Source ${label}: cancelled`);
    else void vscode.window.showErrorMessage(`Kluctl ${title} with Local Source ${label}: ${(error as Error).message}`);
    return undefined;
  } finally {
    await session?.close();
  }
}

/** Once read, a diff's result leaves the cluster as after `kluctl gitops diff`; what fails is only reported. */
async function cleanupDiff(ctx: CommandContext, target: Target, outcome: RequestOutcome): Promise<void> {
  const label = `${target.ref.namespace}/${target.ref.name}`;
  const done = await cleanupDiffResult(target.client, target.ref, outcome, {
    resultsNamespace: readSettings().resultsNamespace,
  });
  for (const problem of done.problems) ctx.output.log.warn(`Diff ${label}: could not clean up its result: ${problem}`);
}
