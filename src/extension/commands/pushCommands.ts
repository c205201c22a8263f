/**
 * Push deploy from the workspace with the bundled engine: pick a project and target of `.kluctl.yaml` (and the
 * args it declares), then Render, Diff, Deploy (after showing the diff and a modal confirm) or Prune. No
 * kluctl binary and no controller are involved; the cluster is the target's context of the user's kubeconfig.
 */

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineHooks } from '../../engine/worker/request.js';
import { isCancelled, type CancelledError } from '../../util/errors.js';
import { commandResultDiffs } from '../../gitops/resultDocuments.js';
import type { CommandResult, ObjectRef } from '../../kluctl/resultTypes.js';
import { countObjects, objectRefString } from '../../kluctl/results.js';
import { connectionSettings } from '../clusters.js';
import { readSettings } from '../config.js';
import { onDemand } from '../onDemandLoader.js';
import { requireTrust, signalOf, type CommandContext } from './context.js';
import { runCommand, type PushTarget } from './registry.js';
import { Commands } from '../ids.js';

/** What a CodeLens passes; from the palette everything is asked for. */
type PushAction = 'Render' | 'Diff' | 'Deploy' | 'Prune';

export interface PushResult {
  result?: CommandResult;
  opened?: Array<[vscode.Uri, vscode.Uri, vscode.Uri]> | vscode.Uri;
  /** The user cancelled; `result` then holds what a deploy or prune had done by then. */
  cancelled?: boolean;
}

/** What every engine command of the workspace takes: plain data, it crosses to the engine's worker. */
interface PushOptions {
  projectDir: string;
  target?: string;
  args?: string[];
  kubeconfig?: string;
  requestTimeoutMs?: number;
  sendEveryApply?: boolean;
}

export async function pushCommand(
  ctx: CommandContext,
  action: PushAction,
  arg: unknown,
): Promise<PushResult | undefined> {
  if (!requireTrust(`${action} with the bundled engine`)) return undefined;
  const target = await resolvePushTarget(arg, action);
  if (!target) return undefined;
  const label = `${path.basename(target.projectDir)}${target.target ? ` · ${target.target}` : ''}`;
  const options: PushOptions = {
    projectDir: target.projectDir,
    target: target.target,
    args: target.args,
    ...connectionSettings(),
    sendEveryApply: readSettings().engineSendEveryApply || undefined,
  };
  const hooks = (signal: AbortSignal, progress: vscode.Progress<{ message?: string }>) => ({
    signal,
    progress: (message: string) => {
      ctx.output.log.info(`${action} ${label}: ${message}`);
      progress.report({ message });
    },
  });
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Kluctl ${action} ${label}`, cancellable: true },
      async (progress, token) => {
        ctx.output.log.info(`${action} ${label}: started (bundled engine, in its worker thread)`);
        const h = hooks(signalOf(token), progress);
        if (action === 'Render') return render(ctx, target, label, options, h);
        if (action === 'Diff')
          return showEngineDiff(
            ctx,
            label,
            await ctx.engine.run({ command: 'diff', options: { ...options, noObfuscate: true } }, h),
          );
        if (action === 'Prune') return prune(ctx, label, options, h);
        return deploy(ctx, label, options, h);
      },
    );
  } catch (error) {
    if (isCancelled(error)) return reportCancelled(ctx, action, label, error);
    const message = (error as Error).message;
    ctx.output.log.error(`${action} ${label}: ${message}`);
    // A chart that must be pre-pulled (no skipPrePull) and is not, or is pre-pulled in another version: offer the pull.
    const pull = NOT_PULLED.test(message) ? [PULL_CHARTS] : [];
    void vscode.window
      .showErrorMessage(`Kluctl ${action} ${label} failed: ${message}`, ...pull, 'Show Output')
      .then((c) => {
        if (c === PULL_CHARTS) void runCommand(Commands.pullHelmCharts, target.projectDir);
        else if (c) ctx.output.show();
      });
    return undefined;
  }
}

const PULL_CHARTS = 'Pull Helm Charts';
/** The engine's words (kluctl's) for a chart missing from `.helm-charts` or pre-pulled in another version. */
const NOT_PULLED = /has not been pre-pulled|need to be pulled \(call 'kluctl helm-pull'\)/;

/**
 * A cancelled command is reported as cancelled, never as failed, with what a deploy or prune had changed by then.
 * (A worker that had to be terminated could not say: then the output's progress lines are all there is.)
 */
export function reportCancelled(ctx: CommandContext, action: string, label: string, error: CancelledError): PushResult {
  const partial = error.partial as CommandResult | undefined;
  let done = '';
  if (partial?.objects) {
    report(ctx, action, label, partial);
    const counts = countObjects(partial.objects);
    if (action === 'Deploy') done = `${counts.new} new and ${counts.changed} changed objects were applied`;
    else if (action === 'Prune') done = `${counts.deleted} objects were deleted`;
  }
  ctx.output.log.info(`${action} ${label}: cancelled${done ? `; before that, ${done}` : ''}`);
  void vscode.window.showInformationMessage(
    `Kluctl ${action} ${label} cancelled.${done ? ` Before that, ${done}.` : ''}`,
  );
  return { cancelled: true, result: partial };
}

async function render(
  ctx: CommandContext,
  target: PushTarget,
  label: string,
  options: PushOptions,
  hooks: EngineHooks<'render'>,
): Promise<PushResult> {
  const rendered = await ctx.engine.run({ command: 'render', options, print: true }, hooks);
  for (const w of rendered.warnings) ctx.output.log.warn(`Render ${label}: ${w}`);
  const uri = ctx.documents.put(
    `/render/${sanitize(path.basename(target.projectDir))}/${sanitize(target.target ?? 'no-target')}.yaml`,
    rendered.printed ?? '',
  );
  await vscode.window.showTextDocument(uri, { preview: false });
  return { opened: uri };
}

/** Shows an unmasked engine result (run with `noObfuscate`) in the diff editor; the returned result is masked. */
export async function showEngineDiff(
  ctx: CommandContext,
  label: string,
  raw: CommandResult,
  title = `Kluctl Diff: ${label} (bundled engine)`,
): Promise<PushResult> {
  report(ctx, 'Diff', label, raw);
  // The engine ran with noObfuscate: masking happens once, here, as for the controller's results.
  const { result, diffs } = commandResultDiffs(raw, raw.objects, { revealSecrets: readSettings().revealSecrets });
  if (diffs.length === 0) {
    void vscode.window.showInformationMessage(
      `Kluctl diff ${label}: no changes.${result.errors?.length ? ` ${result.errors.length} errors, see the Kluctl output.` : ''}`,
    );
    return { result };
  }
  return { result, opened: await ctx.documents.showDiffs(title, `engine/${label}`, diffs) };
}

async function deploy(
  ctx: CommandContext,
  label: string,
  options: PushOptions,
  hooks: EngineHooks<'deploy'>,
): Promise<PushResult> {
  let opened: PushResult['opened'];
  const result = await ctx.engine.run(
    { command: 'deploy', options: { ...options, previewUnmasked: true } },
    {
      ...hooks,
      confirm: async (preview) => {
        const counts = countObjects(preview.objects ?? []);
        if (counts.new + counts.changed === 0 && !preview.errors?.length) {
          void vscode.window.showInformationMessage(`Kluctl deploy ${label}: nothing to change.`);
          return false;
        }
        opened = (await showEngineDiff(ctx, label, preview, `Kluctl Deploy preview: ${label}`)).opened;
        if (!readSettings().confirmClusterChanges) return true;
        const context = preview.target.context ?? '(current context)';
        const detail = `${counts.new} new and ${counts.changed} changed objects will be applied with server-side apply (field manager "kluctl").${preview.errors?.length ? ` The diff had ${preview.errors.length} errors.` : ''}`;
        return (
          (await vscode.window.showWarningMessage(
            `Deploy ${label} to ${context}?`,
            { modal: true, detail },
            'Deploy',
          )) === 'Deploy'
        );
      },
    },
  );
  if (result.errors?.some((e) => e.message === 'aborted')) return { result, opened };
  report(ctx, 'Deploy', label, result);
  if (hooks.signal?.aborted) return { result, opened };
  const counts = countObjects(result.objects ?? []);
  const text = `Kluctl deploy ${label}: ${counts.new} new, ${counts.changed} changed, ${counts.orphan} orphan, ${result.errors?.length ?? 0} errors.`;
  if (result.errors?.length)
    void vscode.window.showErrorMessage(text, 'Show Output').then((c) => c && ctx.output.show());
  else void vscode.window.showInformationMessage(text);
  return { result, opened };
}

async function prune(
  ctx: CommandContext,
  label: string,
  options: PushOptions,
  hooks: EngineHooks<'prune'>,
): Promise<PushResult> {
  const result = await ctx.engine.run(
    { command: 'prune', options },
    {
      ...hooks,
      confirm: async (refs: ObjectRef[]) => {
        const detail =
          refs.map(objectRefString).slice(0, 20).join('\n') +
          (refs.length > 20 ? `\n… and ${refs.length - 20} more` : '');
        return (
          (await vscode.window.showWarningMessage(
            `Delete ${refs.length} orphan objects of ${label}?`,
            { modal: true, detail },
            'Prune',
          )) === 'Prune'
        );
      },
    },
  );
  report(ctx, 'Prune', label, result);
  if (hooks.signal?.aborted) return { result };
  const deleted = (result.objects ?? []).filter((x) => x.deleted).length;
  if (result.errors?.length)
    void vscode.window
      .showErrorMessage(`Kluctl prune ${label}: ${deleted} deleted, ${result.errors.length} errors.`, 'Show Output')
      .then((c) => c && ctx.output.show());
  else
    void vscode.window.showInformationMessage(
      deleted ? `Kluctl prune ${label}: deleted ${deleted} objects.` : `Kluctl prune ${label}: no orphans.`,
    );
  return { result };
}

function report(ctx: CommandContext, action: string, label: string, r: CommandResult): void {
  for (const w of r.warnings ?? [])
    ctx.output.log.warn(`${action} ${label}: ${w.ref.name ? `${objectRefString(w.ref)}: ` : ''}${w.message}`);
  for (const e of r.errors ?? [])
    ctx.output.log.error(`${action} ${label}: ${e.ref.name ? `${objectRefString(e.ref)}: ` : ''}${e.message}`);
}

/** The project (of several `.kluctl.yaml` in the workspace), its target and the declared args without defaults. */
async function resolvePushTarget(arg: unknown, action: PushAction): Promise<PushTarget | undefined> {
  const given = arg as Partial<PushTarget> | undefined;
  let projectDir = typeof given?.projectDir === 'string' ? given.projectDir : undefined;
  if (!projectDir) {
    const dirs = await projectDirs();
    if (dirs.length === 0) {
      void vscode.window.showWarningMessage(
        'Kluctl: no Kluctl project (a .kluctl.yaml, or a deployment.yaml at the root of a folder) in this workspace.',
      );
      return undefined;
    }
    projectDir =
      dirs.length === 1
        ? dirs[0]
        : (
            await vscode.window.showQuickPick(
              dirs.map((d) => ({ label: path.basename(d), description: d, d })),
              { title: `Kluctl: ${action}`, placeHolder: 'Choose a project' },
            )
          )?.d;
    if (!projectDir) return undefined;
  }
  const project = (await onDemand()).readKluctlProject(projectDir);
  let target = given && 'target' in given ? given.target : undefined;
  if (!(given && 'target' in given) && project.targets.length > 0) {
    const picked = await vscode.window.showQuickPick(
      project.targets.map((t) => ({
        label: t.name,
        description: t.context ? `context ${t.context}` : 'current context',
        t,
      })),
      { title: `Kluctl: ${action}`, placeHolder: 'Choose a target' },
    );
    if (!picked) return undefined;
    target = picked.t.name;
  }
  const args = [...(given?.args ?? [])];
  const targetArgs = project.targets.find((t) => t.name === target)?.args ?? {};
  for (const declared of project.config.args ?? []) {
    if (
      declared.default !== undefined ||
      declared.name in targetArgs ||
      args.some((a) => a.startsWith(`${declared.name}=`))
    )
      continue;
    const value = await vscode.window.showInputBox({
      title: `Kluctl: ${action}`,
      prompt: `Value of the required arg "${declared.name}"`,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    args.push(`${declared.name}=${value}`);
  }
  return { projectDir, target, args };
}

/** Every dir with a `.kluctl.yaml`, and workspace folders with a root `deployment.yaml` (targetless projects); no Git needed. */
export async function projectDirs(): Promise<string[]> {
  const exclude = '**/{node_modules,.git}/**';
  const configs = await vscode.workspace.findFiles('**/.kluctl.{yaml,yml}', exclude, 200);
  const dirs = new Set(configs.map((f) => path.dirname(f.fsPath)));
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const roots = await vscode.workspace.findFiles(
      new vscode.RelativePattern(folder, 'deployment.{yaml,yml}'),
      exclude,
      1,
    );
    if (roots.length) dirs.add(folder.uri.fsPath);
  }
  return [...dirs].sort();
}

function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}
