/** Commands on a deployment's history: open a result, compare two results, open an inventory object live. */
import * as vscode from 'vscode';
import { readLiveObject } from '../../gitops/inventory.js';
import { readValidateResult } from '../../gitops/maskedResults.js';
import { compareResults, readStoredResult } from '../../gitops/resultCompare.js';
import { commandResultReport, validateResultReport } from '../../gitops/resultReport.js';
import type { ResultEntry } from '../../gitops/timeline.js';
import { resultObjectDocument, type ObjectDiff, type ResultObjectStatus } from '../../gitops/resultDocuments.js';
import { readSettings } from '../config.js';
import { DeploymentNode } from '../tree/nodes.js';
import {
  InventoryObjectNode,
  ResultObjectNode,
  TimelineEntryNode,
  ValidationNode,
  type HistoryDeployment,
} from '../tree/historyNodes.js';
import type { CommandContext } from './context.js';
import { requestCommand, type RequestCommandResult } from './requests.js';

/** What a compare opened, for tests. */
export interface CompareOutcome {
  older: ResultEntry;
  newer: ResultEntry;
  diffs: ObjectDiff[];
  opened?: Array<[vscode.Uri, vscode.Uri, vscode.Uri]>;
}

/** A stored result as a read-only Markdown document (Secret values masked unless revealed). */
export async function openResultCommand(ctx: CommandContext, arg: unknown): Promise<vscode.Uri | undefined> {
  let deployment: HistoryDeployment;
  let id: string | undefined;
  let kind: 'command' | 'validate' = 'command';
  let entry: ResultEntry | undefined;
  if (arg instanceof TimelineEntryNode && arg.entry.kind === 'result') {
    deployment = arg.deployment;
    entry = arg.entry;
    id = entry.id;
    kind = entry.resultKind;
  } else if (arg instanceof DeploymentNode) {
    deployment = arg;
    id = arg.kd.status?.lastDeployResult?.id;
  } else return undefined;
  if (!id) {
    void vscode.window.showInformationMessage(`Kluctl: ${deployment.label} has no stored result yet.`);
    return undefined;
  }
  const settings = readSettings();
  try {
    const text =
      kind === 'validate'
        ? validateResultReport(
            await readValidateResult(ctx.clusters.client(deployment.context), id, {
              namespace: settings.resultsNamespace,
            }),
          )
        : commandResultReport(await ctx.tree.history.result(deployment, id), entry?.initiator);
    const uri = ctx.documents.put(
      `/results/${deployment.context}/${deployment.namespace}/${deployment.name}/${entry?.command ?? 'result'}-${id}.md`,
      text,
    );
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  } catch (error) {
    void vscode.window.showErrorMessage(`Kluctl: result ${id} of ${deployment.label}: ${(error as Error).message}`);
    return undefined;
  }
}

/** The deployment's stored command results, newest first (listing them once if its timeline is not live). */
async function commandResults(ctx: CommandContext, d: HistoryDeployment): Promise<ResultEntry[]> {
  const history = ctx.tree.history.history(d.context);
  const unsubscribe = history.subscribe();
  try {
    const deadline = Date.now() + readSettings().requestTimeoutSeconds * 1000;
    while (!history.ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return history.results(d.kd).filter((r) => r.resultKind === 'command');
  } finally {
    unsubscribe();
  }
}

/** The applied objects of this result against those of the previous result of the same command. */
export async function compareWithPreviousCommand(
  ctx: CommandContext,
  arg: unknown,
): Promise<CompareOutcome | undefined> {
  if (!(arg instanceof TimelineEntryNode) || arg.entry.kind !== 'result' || arg.entry.resultKind !== 'command')
    return undefined;
  const newer = arg.entry;
  const all = await commandResults(ctx, arg.deployment);
  const older = all.find((r) => r.command === newer.command && r.time.getTime() < newer.time.getTime());
  if (!older) {
    void vscode.window.showInformationMessage(
      `Kluctl: no earlier ${newer.command} result of ${arg.deployment.label} is stored (the controller keeps a few per target).`,
    );
    return undefined;
  }
  return compare(ctx, arg.deployment, older, newer);
}

/** Pick two stored results of a deployment and compare their applied objects. */
export async function compareResultsCommand(ctx: CommandContext, arg: unknown): Promise<CompareOutcome | undefined> {
  const d = arg instanceof TimelineEntryNode ? arg.deployment : arg instanceof DeploymentNode ? arg : undefined;
  if (!d) return undefined;
  const all = await commandResults(ctx, d);
  if (all.length < 2) {
    void vscode.window.showInformationMessage(`Kluctl: ${d.label} has fewer than two stored results.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    all.map((r) => ({
      label: `${r.command}${r.dryRun ? ' (dry run)' : ''} · ${r.time.toLocaleString()}`,
      description: `${r.initiator}${r.commit ? ` · ${r.commit.slice(0, 7)}` : ''}`,
      detail: r.errors.length > 0 ? `${r.errors.length} errors` : undefined,
      picked: arg instanceof TimelineEntryNode && arg.entry.id === r.id,
      r,
    })),
    { canPickMany: true, title: `Kluctl: compare two results of ${d.label}`, placeHolder: 'Pick exactly two' },
  );
  if (!picked) return undefined;
  if (picked.length !== 2) {
    void vscode.window.showWarningMessage('Kluctl: pick exactly two results to compare.');
    return undefined;
  }
  const [a, b] = picked.map((p) => p.r).sort((x, y) => x.time.getTime() - y.time.getTime());
  return compare(ctx, d, a, b);
}

async function compare(
  ctx: CommandContext,
  d: HistoryDeployment,
  older: ResultEntry,
  newer: ResultEntry,
): Promise<CompareOutcome | undefined> {
  const settings = readSettings();
  const client = ctx.clusters.client(d.context);
  try {
    const [a, b] = await Promise.all(
      [older, newer].map((r) => readStoredResult(client, r.id, { namespace: settings.resultsNamespace })),
    );
    const diffs = compareResults(a, b, { revealSecrets: settings.revealSecrets });
    const when = (r: ResultEntry) =>
      `${r.command} ${r.time.toLocaleString()}${r.commit ? ` ${r.commit.slice(0, 7)}` : ''}`;
    if (diffs.length === 0) {
      void vscode.window.showInformationMessage(
        `Kluctl: the applied objects of ${d.label} are the same in ${when(older)} and ${when(newer)}.`,
      );
      return { older, newer, diffs };
    }
    const opened = await ctx.documents.showDiffs(
      `Kluctl: ${d.label} ${when(older)} ↔ ${when(newer)}`,
      `${d.context}/${d.label}/${older.id.slice(0, 8)}-${newer.id.slice(0, 8)}`,
      diffs,
    );
    return { older, newer, diffs, opened };
  } catch (error) {
    void vscode.window.showErrorMessage(`Kluctl: comparing results of ${d.label}: ${(error as Error).message}`);
    return undefined;
  }
}

/** An object of the inventory as it is in the cluster now (read-only YAML, Secret values masked). */
export async function openLiveObjectCommand(ctx: CommandContext, arg: unknown): Promise<vscode.Uri | undefined> {
  if (!(arg instanceof InventoryObjectNode)) return undefined;
  const { deployment: d, item } = arg;
  const what = `${item.ref.kind}/${item.ref.name}`;
  try {
    const yaml = await readLiveObject(ctx.clusters.client(d.context), item, {
      revealSecrets: readSettings().revealSecrets,
    });
    if (yaml === undefined) {
      void vscode.window.showWarningMessage(`Kluctl: ${what} no longer exists in ${d.context}.`);
      return undefined;
    }
    const uri = ctx.documents.put(
      `/live/${d.context}/${item.ref.namespace ?? '_cluster'}/${item.ref.kind}/${item.ref.name}.yaml`,
      yaml,
    );
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  } catch (error) {
    void vscode.window.showErrorMessage(`Kluctl: reading ${what}: ${(error as Error).message}`);
    return undefined;
  }
}

/** Validate Now from the Validation node (or a deployment). */
export function validateNowCommand(ctx: CommandContext, arg: unknown): Promise<RequestCommandResult | undefined> {
  const d = arg instanceof ValidationNode ? arg.deployment : arg;
  return requestCommand(ctx, 'validate', d);
}

/** What opening an object of a result showed, for tests. */
export interface ResultObjectOutcome {
  status: ResultObjectStatus;
  /** The one document of a new, unchanged, deleted or orphan object. */
  document?: vscode.Uri;
  /** The diff of a changed object: [label, left, right]. */
  diff?: [vscode.Uri, vscode.Uri, vscode.Uri];
}

/** An object of a stored result: a changed one as its diff, any other as its masked manifest (read-only). */
export async function openResultObjectCommand(
  ctx: CommandContext,
  arg: unknown,
): Promise<ResultObjectOutcome | undefined> {
  if (!(arg instanceof ResultObjectNode)) return undefined;
  const d = arg.deployment;
  const ref = arg.ref;
  const what = `${ref.kind}/${ref.name}`;
  try {
    const { result, compacted } = await ctx.tree.history.resultObjects(d, arg.resultId);
    const doc = resultObjectDocument(result, compacted, ref, { revealSecrets: readSettings().revealSecrets });
    if (!doc) {
      void vscode.window.showWarningMessage(`Kluctl: result ${arg.resultId} has no object ${what}.`);
      return undefined;
    }
    if (doc.status === 'changed') {
      const [diff] = await ctx.documents.showDiffs(
        `Kluctl: ${what} in ${d.label} result ${arg.resultId.slice(0, 8)}`,
        `${d.context}/${d.label}/${arg.resultId.slice(0, 8)}`,
        [{ ...doc, status: 'changed' }],
      );
      return { status: doc.status, diff };
    }
    const text = doc.right ?? doc.left ?? '';
    const uri = ctx.documents.put(
      `/results/${d.context}/${d.namespace}/${d.name}/${arg.resultId}/${ref.namespace ?? '_cluster'}/${ref.kind}/${ref.name}.yaml`,
      text,
    );
    await vscode.window.showTextDocument(uri, { preview: true });
    return { status: doc.status, document: uri };
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Kluctl: reading ${what} of result ${arg.resultId} of ${d.label}: ${(error as Error).message}`,
    );
    return undefined;
  }
}
