/**
 * "Reconcile/Deploy/Diff/Prune/Validate with Options…": the options of `kluctl gitops <command>`, asked for one by
 * one, turned into kluctl's overridesPatch, shown, and only then sent.
 */
import * as vscode from 'vscode';
import {
  buildOverridesPatch,
  checkArg,
  describeOptions,
  optionsFor,
  type BooleanOption,
  type DeclaredArg,
  type RequestOptions,
} from '../overridesPatch.js';
import type { RequestKind } from '../../kluctl/types.js';
import { readSettings } from '../config.js';
import { onDemand } from '../onDemandLoader.js';
import { Commands } from '../ids.js';
import { requireTrust, resolveTarget, type CommandContext, type Target } from './context.js';
import type { RequestOptionsArg } from './registry.js';
import { runWithProgress, TITLES, type RequestCommandResult } from './requests.js';

const BOOLEAN_LABELS: Record<BooleanOption, [string, string]> = {
  dryRun: ['Dry run', '--dry-run: every API call in dry-run mode, nothing changes'],
  forceApply: ['Force apply', '--force-apply: resolve server-side apply conflicts by force'],
  replaceOnError: ['Replace on error', '--replace-on-error: replace an object when patching it fails'],
  forceReplaceOnError: ['Force replace on error', '--force-replace-on-error: also delete and re-create objects'],
  abortOnError: ['Abort on error', '--abort-on-error: stop at the first failing deployment item'],
  noWait: ['No wait', "--no-wait: don't wait for objects to become ready"],
  prune: ['Prune', '--prune: delete orphaned objects after deploying'],
};

const VALUE_LABELS: Partial<Record<keyof RequestOptions, [string, string]>> = {
  target: ['Target…', '-t: another target of .kluctl.yaml'],
  targetNameOverride: ['Target name override…', '-T: rename the target'],
  targetContext: ['Target context…', '--target-context: the kube context the target deploys to'],
  args: ['Args…', '-a name=value: deployment args, merged over spec.args'],
  fixedImages: ['Fixed images…', '-F image<:namespace:deployment:container>=result'],
  includeTags: ['Include tags…', '-I: only deployment items with these tags'],
  excludeTags: ['Exclude tags…', '-E: leave out deployment items with these tags'],
  includeDeploymentDirs: ['Include deployment dirs…', '--include-deployment-dir (relative to the project)'],
  excludeDeploymentDirs: ['Exclude deployment dirs…', '--exclude-deployment-dir (relative to the project)'],
};

type OptionItem = vscode.QuickPickItem & { key: keyof RequestOptions | 'warningsAsErrors'; value?: boolean };

/** Runs a request with options: prompted (or given by the caller), shown as a patch, confirmed, sent. */
export async function requestWithOptionsCommand(
  ctx: CommandContext,
  kind: RequestKind,
  arg: unknown,
  given?: RequestOptionsArg,
): Promise<RequestCommandResult | undefined> {
  const title = `${TITLES[kind]} with Options`;
  if (kind !== 'diff' && !requireTrust(title)) return undefined;
  const target = await resolveTarget(ctx, arg, title);
  if (!target) return undefined;
  const chosen = given ?? (await promptOptions(ctx, kind, target, title));
  if (!chosen) return undefined;
  let overridesPatch: Record<string, unknown> | undefined;
  try {
    overridesPatch = buildOverridesPatch(target.node.kd, chosen.options);
  } catch (error) {
    void vscode.window.showErrorMessage(`Kluctl ${title}: ${(error as Error).message}`);
    return undefined;
  }
  const label = `${target.ref.namespace}/${target.ref.name}`;
  const flags = describeOptions(chosen.options);
  if (chosen.warningsAsErrors) flags.push('--warnings-as-errors');
  const patchText = overridesPatch ? JSON.stringify(overridesPatch, null, 2) : '(none: the options change nothing)';
  ctx.output.log.info(
    `${title} ${label} on ${target.context}: ${flags.join(' ') || 'no options'}; overridesPatch ${JSON.stringify(overridesPatch ?? {})}`,
  );
  // Prompted options are always shown before sending; a caller that passed them is asked only when cluster changes
  // are to be confirmed.
  if (!given || readSettings().confirmClusterChanges) {
    const answer = await vscode.window.showWarningMessage(
      `${TITLES[kind]} ${label} on ${target.context} with these options?`,
      {
        modal: true,
        detail: `${flags.join(' ') || 'No options.'}\n\noverridesPatch sent to the kluctl-controller for this one request:\n${patchText}`,
      },
      'Send',
    );
    if (answer !== 'Send') return undefined;
  }
  return runWithProgress(ctx, kind, target, overridesPatch, { warningsAsErrors: chosen.warningsAsErrors });
}

async function promptOptions(
  ctx: CommandContext,
  kind: RequestKind,
  target: Target,
  title: string,
): Promise<RequestOptionsArg | undefined> {
  const spec = target.node.kd.spec;
  const items: OptionItem[] = [];
  for (const key of optionsFor(kind)) {
    const bool = BOOLEAN_LABELS[key as BooleanOption];
    if (bool) {
      // A flag the deployment already sets is offered the other way round (`--prune=false`).
      const on = spec[key] === true;
      items.push({
        key,
        value: !on,
        label: on ? `No ${bool[0].toLowerCase()}` : bool[0],
        description: on ? `${bool[1].split(':')[0]}=false (the deployment sets it)` : bool[1],
      });
    } else {
      const [label, description] = VALUE_LABELS[key]!;
      items.push({ key, label, description });
    }
  }
  if (kind === 'validate')
    items.push({ key: 'warningsAsErrors', label: 'Warnings as errors', description: '--warnings-as-errors' });
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: `Kluctl: ${title} — ${target.ref.namespace}/${target.ref.name}`,
    placeHolder: 'Choose the options (the patch is shown before anything is sent)',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  const result: RequestOptionsArg = { options: {} };
  const declared = await declaredArgs(ctx, target);
  for (const item of picked) {
    if (item.key === 'warningsAsErrors') result.warningsAsErrors = true;
    else if (item.value !== undefined) result.options[item.key as BooleanOption] = item.value;
    else if (!(await promptValue(item.key, result.options, declared, target))) return undefined;
  }
  return result;
}

/** Asks for one valued option; false when cancelled. */
async function promptValue(
  key: keyof RequestOptions,
  options: RequestOptions,
  declared: { args?: DeclaredArg[]; targets: string[] },
  target: Target,
): Promise<boolean> {
  const [label, hint] = VALUE_LABELS[key]!;
  const prompt = `${label.replace('…', '')}: ${hint}`;
  if (key === 'target' && declared.targets.length > 0) {
    const picked = await vscode.window.showQuickPick(
      declared.targets.map((t) => ({
        label: t,
        description: t === target.node.kd.spec.target ? 'current' : undefined,
      })),
      { title: prompt, placeHolder: 'Target of .kluctl.yaml' },
    );
    if (!picked) return false;
    options.target = picked.label;
    return true;
  }
  if (key === 'target' || key === 'targetNameOverride' || key === 'targetContext') {
    const value = await vscode.window.showInputBox({
      title: prompt,
      validateInput: (v) =>
        /^[a-zA-Z0-9@._:/-]{1,253}$/.test(v.trim()) ? undefined : 'a non-empty name without spaces',
    });
    if (value === undefined) return false;
    options[key] = value.trim();
    return true;
  }
  if (key === 'args') {
    const args: string[] = [];
    // One arg per box; an empty box ends the list. Bounded, like every loop fed by input.
    for (let i = 0; i < 50; i++) {
      const value = await vscode.window.showInputBox({
        title: `${prompt} (${args.length} so far; leave empty to finish)`,
        placeHolder: declared.args?.length
          ? `name=value; the project declares ${declared.args.map((a) => a.name).join(', ')}`
          : 'name=value',
        validateInput: (v) => {
          if (v.trim() === '') return undefined;
          const problem = checkArg(v.trim(), declared.args);
          if (!problem) return undefined;
          return {
            message: problem.message,
            severity:
              problem.severity === 'error'
                ? vscode.InputBoxValidationSeverity.Error
                : vscode.InputBoxValidationSeverity.Warning,
          };
        },
      });
      if (value === undefined) return false;
      if (value.trim() === '') break;
      if (checkArg(value.trim(), declared.args)?.severity === 'error') return false;
      args.push(value.trim());
    }
    options.args = args;
    return true;
  }
  // Lists: comma-separated.
  const value = await vscode.window.showInputBox({ title: prompt, placeHolder: 'comma-separated' });
  if (value === undefined) return false;
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  (options as Record<string, string[]>)[key] = list;
  return true;
}

/** The args and targets `.kluctl.yaml` of the workspace project declares (nothing when it is not this workspace's). */
async function declaredArgs(ctx: CommandContext, target: Target): Promise<{ args?: DeclaredArg[]; targets: string[] }> {
  const project = target.node.project;
  if (!project) return { targets: [] };
  try {
    const loaded = (await onDemand()).readKluctlProject(project.projectDir);
    return { args: loaded.config.args, targets: loaded.targets.map((t) => t.name) };
  } catch (error) {
    ctx.output.log.warn(`Could not read the args of ${project.projectDir}: ${(error as Error).message}`);
    return { targets: [] };
  }
}

export const REQUEST_WITH_OPTIONS_COMMANDS: Array<
  [
    (
      | typeof Commands.reconcileWithOptions
      | typeof Commands.deployWithOptions
      | typeof Commands.diffWithOptions
      | typeof Commands.pruneWithOptions
      | typeof Commands.validateWithOptions
    ),
    RequestKind,
  ]
> = [
  [Commands.reconcileWithOptions, 'reconcile'],
  [Commands.deployWithOptions, 'deploy'],
  [Commands.diffWithOptions, 'diff'],
  [Commands.pruneWithOptions, 'prune'],
  [Commands.validateWithOptions, 'validate'],
];

/** A tree click passes the selection as second argument: only an object with `options` is a RequestOptionsArg. */
export function isOptionsArg(value: unknown): value is RequestOptionsArg {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'options' in value;
}
