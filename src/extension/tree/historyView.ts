import * as vscode from 'vscode';
import type { ContextHistory } from '../../gitops/history.js';
import { HistoryHub } from '../../gitops/historyHub.js';
import { inventoryOf } from '../../gitops/inventory.js';
import { readCommandResult, readCommandResultObjects, readValidateResult } from '../../gitops/maskedResults.js';
import { resultObjectGroups, type CompactedObject } from '../../gitops/resultDocuments.js';
import { validationTable } from '../../gitops/resultReport.js';
import type { CommandResult, ValidateResult } from '../../kluctl/resultTypes.js';
import type { Clusters } from '../clusters.js';
import { readSettings } from '../config.js';
import { Disposable, toDisposable } from '../disposable.js';
import {
  InventoryObjectNode,
  ResultObjectGroupNode,
  TimelineEntryNode,
  ValidationRowNode,
  type HistoryDeployment,
  type InventoryNode,
  type TimelineNode,
  type ValidationNode,
} from './historyNodes.js';

/** How many decoded results the inventory keeps (a result may hold thousands of objects). */
const RESULT_CACHE = 10;
/** How many results' full manifests the object trees keep (the largest part of a result). */
const OBJECTS_CACHE = 3;

/** A stored result as read for its object tree: unmasked, masked per object when one is opened. */
export interface ResultObjects {
  result: CommandResult;
  compacted: CompactedObject[] | undefined;
}

/**
 * Loads the children of the Timeline, Inventory and Validation nodes. A timeline is live while expanded and the
 * view is visible: its deployment's Events and the context's results are watched (ContextHistory); collapsing it,
 * or hiding the view, ends the watches.
 */
export class HistoryView extends Disposable {
  private readonly hub: HistoryHub;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  private readonly results = new Map<string, Promise<CommandResult>>();
  private readonly objects = new Map<string, Promise<ResultObjects>>();
  private pending: NodeJS.Timeout | undefined;
  /** Fires (debounced) when a shown timeline has new entries. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly clusters: Clusters) {
    super();
    this.hub = new HistoryHub(
      (context) => this.clusters.client(context),
      () => ({ resultsNamespace: readSettings().resultsNamespace }),
    );
    const off = this.hub.onDidChange(() => this.fireSoon());
    this.register(
      toDisposable(() => {
        off();
        this.hub.dispose();
        clearTimeout(this.pending);
      }),
    );
    this.register(clusters.onDidChange(() => this.forgetRemovedContexts()));
    // New kubeconfig: the live timelines watch again through the new clients, the old watches end.
    this.register(
      clusters.onDidReload(() => {
        this.results.clear();
        this.objects.clear();
        this.hub.reload();
      }),
    );
  }

  /** The history of a context (created on first use; watches only while subscribed). */
  history(context: string): ContextHistory {
    return this.hub.history(context);
  }

  /** Which timelines are live now (node ids), for tests. */
  get liveTimelines(): string[] {
    return this.hub.keys();
  }

  /** Watch loops of the histories still running, for tests (0 once every timeline is closed). */
  get runningWatches(): number {
    return this.hub.runningWatches;
  }

  async timelineChildren(node: TimelineNode): Promise<TimelineEntryNode[]> {
    const d = node.deployment;
    const history = this.history(d.context);
    this.hub.subscribe(node.id, d.context, { namespace: d.namespace, name: d.name });
    if (!history.ready) await this.firstList(history, 10_000);
    const now = new Date();
    return history.timeline(d.kd).map((e) => new TimelineEntryNode(d, e, now));
  }

  /** A command result's objects, grouped by what the command did to them (bounded per group). */
  async resultChildren(node: TimelineEntryNode): Promise<ResultObjectGroupNode[]> {
    const e = node.entry;
    if (e.kind !== 'result' || e.resultKind !== 'command') return [];
    const { result } = await this.resultObjects(node.deployment, e.id);
    return resultObjectGroups(result).map((g) => new ResultObjectGroupNode(node.deployment, e.id, g));
  }

  /** A command result with its full manifests, from a small cache. */
  resultObjects(d: HistoryDeployment, resultId: string): Promise<ResultObjects> {
    const key = `${d.context}/${resultId}`;
    let p = this.objects.get(key);
    if (!p) {
      p = readCommandResultObjects(this.clusters.client(d.context), resultId, {
        namespace: readSettings().resultsNamespace,
      });
      p.catch(() => this.objects.delete(key));
      this.objects.set(key, p);
      if (this.objects.size > OBJECTS_CACHE) this.objects.delete(this.objects.keys().next().value!);
    }
    return p;
  }

  async inventoryChildren(node: InventoryNode): Promise<InventoryObjectNode[]> {
    const d = node.deployment;
    const id = await this.lastDeployResultId(d);
    if (!id) return [];
    const result = await this.result(d, id);
    return inventoryOf(result, d.kd.status?.lastDriftDetectionResult).map((i) => new InventoryObjectNode(d, i));
  }

  async validationChildren(node: ValidationNode): Promise<ValidationRowNode[]> {
    const d = node.deployment;
    const result = await this.lastValidateResult(d);
    if (!result) return [];
    return validationTable(result).map((row, i) => new ValidationRowNode(d, row, i));
  }

  /** The newest validation of a deployment: the status's, or a newer stored one (a manual request's). */
  async lastValidateResult(
    d: HistoryDeployment,
  ): Promise<Pick<ValidateResult, 'id' | 'errors' | 'warnings' | 'results' | 'ready'> | undefined> {
    const history = this.history(d.context);
    const unsubscribe = history.subscribe();
    let last: { id: string; stored: boolean } | undefined;
    try {
      if (!history.ready) await this.firstList(history, readSettings().requestTimeoutSeconds * 1000);
      last = history.lastValidateResultId(d.kd);
    } finally {
      unsubscribe();
    }
    if (!last?.stored) return d.kd.status?.lastValidateResult;
    return readValidateResult(this.clusters.client(d.context), last.id, {
      namespace: readSettings().resultsNamespace,
    });
  }

  /** A collapsed timeline (or its deployment) stops being watched. */
  collapsed(id: string | undefined): void {
    if (!id) return;
    for (const key of this.hub.keys())
      if (key === id || key === id.replace(/^deployment\//, 'timeline/')) this.hub.unsubscribe(key);
  }

  /** The view was hidden: every watch ends; expanding again (or showing the view) starts them again. */
  stopAll(): void {
    this.hub.stopAll();
  }

  /** The result the inventory shows: the newest stored deploy (the results are listed once if not watched). */
  async lastDeployResultId(d: HistoryDeployment): Promise<string | undefined> {
    const history = this.history(d.context);
    const unsubscribe = history.subscribe();
    try {
      if (!history.ready) await this.firstList(history, readSettings().requestTimeoutSeconds * 1000);
      return history.lastDeployResultId(d.kd);
    } finally {
      unsubscribe();
    }
  }

  /** A command result of a deployment, masked, from a small cache. */
  result(d: HistoryDeployment, resultId: string): Promise<CommandResult> {
    const key = `${d.context}/${resultId}`;
    let p = this.results.get(key);
    if (!p) {
      const settings = readSettings();
      p = readCommandResult(this.clusters.client(d.context), resultId, {
        namespace: settings.resultsNamespace,
        revealSecrets: settings.revealSecrets,
      });
      p.catch(() => this.results.delete(key));
      this.results.set(key, p);
      if (this.results.size > RESULT_CACHE) this.results.delete(this.results.keys().next().value!);
    }
    return p;
  }

  private firstList(history: ContextHistory, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const off = history.onDidChange(() => history.ready && done());
      function done(): void {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  private forgetRemovedContexts(): void {
    this.hub.retain(new Set(this.clusters.selectedContexts()));
  }

  /** Only live timelines refresh the view: a one-time listing (inventory, compare) must not start a refresh loop. */
  private fireSoon(): void {
    if (this.hub.keys().length === 0) return;
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.changed.fire(), 250);
  }
}
