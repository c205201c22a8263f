/**
 * The live history of the deployments of one context: the result Secrets' metadata (one watch for the context,
 * labels and summary annotations only, never the payloads) and, per deployment someone looks at, a watch of the
 * Events on its KluctlDeployment. Watches run only while subscribed; everything kept is bounded
 * (TIMELINE_LIMITS per deployment, RESULT_INDEX_MAX_KEYS deployments).
 */
import type { KubeClient } from '../kube/client.js';
import { listAndWatch } from '../kube/watch.js';
import type { KubeObject } from '../kube/objects.js';
import { Emitter } from '../util/emitter.js';
import { sortedJson } from '../kluctl/compactedObjects.js';
import {
  DEFAULT_RESULTS_NAMESPACE,
  RESULT_LABELS,
  resultSecretInfo,
  type ResultSecretInfo,
} from '../kluctl/results.js';
import type { KluctlDeployment } from '../kluctl/types.js';
import type { CommandResultSummary, ProjectKey, TargetKey } from '../kluctl/resultTypes.js';
import type { DeploymentRef } from './deploymentApi.js';
import {
  eventEntry,
  manualRequestResultIds,
  mergeTimeline,
  resultEntry,
  sharedReconcileIds,
  TIMELINE_LIMITS,
  type EventEntry,
  type KubeEvent,
  type ResultEntry,
  type TimelineEntry,
} from './timeline.js';

/** How many deployments (or project/target pairs) the result index keeps results for. */
export const RESULT_INDEX_MAX_KEYS = 5000;

/** The key results are filed under: their KluctlDeployment, else (results of a CLI push) project and target. */
export function resultKey(info: Pick<ResultSecretInfo, 'deployment' | 'projectKey' | 'summary'>): string | undefined {
  if (info.deployment) return deploymentKey(info.deployment);
  const targetKey = (info.summary as { targetKey?: TargetKey } | undefined)?.targetKey;
  return targetKey ? projectTargetKey(info.projectKey, targetKey) : undefined;
}

export function deploymentKey(ref: DeploymentRef): string {
  return `kd:${ref.namespace}/${ref.name}`;
}

function projectTargetKey(project: ProjectKey, target: TargetKey): string {
  return `pt:${sortedJson({ r: project.repoKey ?? '', s: project.subDir ?? '' })}${sortedJson(target)}`;
}

/** The keys a deployment's results can be under. */
export function keysOf(kd: KluctlDeployment): string[] {
  const keys = [deploymentKey({ namespace: kd.metadata.namespace ?? '', name: kd.metadata.name })];
  const project = kd.status?.projectKey;
  const target = kd.status?.targetKey;
  if (project && target?.clusterId) keys.push(projectTargetKey(project, target));
  return keys;
}

/**
 * Result Secrets' metadata by deployment, newest `TIMELINE_LIMITS.results` each. Summaries are trimmed to what the
 * timeline shows, so a result with thousands of errors costs no more than one with twenty.
 */
export class ResultIndex {
  private readonly byKey = new Map<string, Map<string, ResultSecretInfo>>();
  private readonly keyOfId = new Map<string, string>();

  put(secret: KubeObject): void {
    const info = resultSecretInfo(secret);
    if (!info) return;
    const key = resultKey(info);
    if (!key) return;
    this.remove(info.id);
    let bucket = this.byKey.get(key);
    if (!bucket) {
      if (this.byKey.size >= RESULT_INDEX_MAX_KEYS) return;
      bucket = new Map();
      this.byKey.set(key, bucket);
    }
    bucket.set(info.id, trimInfo(info));
    this.keyOfId.set(info.id, key);
    if (bucket.size > TIMELINE_LIMITS.results) {
      const oldest = [...bucket.values()].sort((a, b) => timeOf(a) - timeOf(b))[0];
      this.remove(oldest.id);
    }
  }

  remove(id: string): void {
    const key = this.keyOfId.get(id);
    if (key === undefined) return;
    this.keyOfId.delete(id);
    const bucket = this.byKey.get(key);
    bucket?.delete(id);
    if (bucket?.size === 0) this.byKey.delete(key);
  }

  replaceAll(secrets: KubeObject[]): void {
    this.byKey.clear();
    this.keyOfId.clear();
    for (const s of secrets) this.put(s);
  }

  /** The results filed under any of `keys`, newest first. */
  infos(keys: string[]): ResultSecretInfo[] {
    return keys.flatMap((k) => [...(this.byKey.get(k)?.values() ?? [])]).sort((a, b) => timeOf(b) - timeOf(a));
  }

  get size(): number {
    return this.keyOfId.size;
  }
}

export interface ContextHistoryOptions {
  resultsNamespace?: string;
  backoffMs?: { initial: number; max: number };
}

interface EventWatch {
  abort: AbortController;
  entries: Map<string, EventEntry>;
  subscribers: number;
}

/** The history of the deployments of one context; subscribe while a deployment's timeline is shown. */
export class ContextHistory {
  private readonly index = new ResultIndex();
  private readonly events = new Map<string, EventWatch>();
  /** Result ids of manual requests seen in deployments' statuses, per deployment (bounded like the results). */
  private readonly manual = new Map<string, string[]>();
  private resultsWatch: AbortController | undefined;
  private subscribers = 0;
  private readonly changed = new Emitter<void>();
  private resultsListed = false;
  private running = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: ContextHistoryOptions = {},
  ) {}

  onDidChange(listener: () => void): () => void {
    return this.changed.on(listener);
  }

  /** How many of this history's watch loops are still running (they end shortly after their abort). */
  get runningWatches(): number {
    return this.running;
  }

  private track(loop: Promise<void>): void {
    this.running++;
    const done = (): void => void this.running--;
    loop.then(done, done);
  }

  /** Whether the results have been listed once since the watch started. */
  get ready(): boolean {
    return this.resultsListed;
  }

  /**
   * Starts the watches for `ref` (its Events) and the context's results; without `ref` only the results. The
   * returned function ends them (watches shared by several subscribers end with the last).
   */
  subscribe(ref?: DeploymentRef): () => void {
    if (this.subscribers++ === 0) this.startResults();
    const key = ref && deploymentKey(ref);
    if (ref && key) {
      let watch = this.events.get(key);
      if (!watch) {
        watch = { abort: new AbortController(), entries: new Map(), subscribers: 0 };
        this.events.set(key, watch);
        this.startEvents(ref, watch);
      }
      watch.subscribers++;
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const w = key ? this.events.get(key) : undefined;
      if (key && w && --w.subscribers === 0) {
        w.abort.abort();
        this.events.delete(key);
      }
      if (this.subscribers > 0 && --this.subscribers === 0) this.stopResults();
    };
  }

  /** Ends every watch (the view was hidden). */
  stop(): void {
    for (const w of this.events.values()) w.abort.abort();
    this.events.clear();
    this.subscribers = 0;
    this.stopResults();
  }

  /** Remembers which results came from manual requests (the status only names the latest of each kind). */
  noteDeployment(kd: KluctlDeployment): void {
    const key = deploymentKey({ namespace: kd.metadata.namespace ?? '', name: kd.metadata.name });
    const ids = manualRequestResultIds(kd);
    if (ids.length === 0) return;
    const known = this.manual.get(key) ?? [];
    const merged = [...known, ...ids.filter((id) => !known.includes(id))].slice(-2 * TIMELINE_LIMITS.results);
    if (!this.manual.has(key) && this.manual.size >= RESULT_INDEX_MAX_KEYS) return;
    this.manual.set(key, merged);
  }

  /** The stored results of a deployment, newest first. */
  results(kd: KluctlDeployment): ResultEntry[] {
    this.noteDeployment(kd);
    const key = deploymentKey({ namespace: kd.metadata.namespace ?? '', name: kd.metadata.name });
    const infos = this.index.infos(keysOf(kd));
    const reconcileIds = sharedReconcileIds(infos);
    const requested = kd.status?.reconcileRequestResult?.reconcileId;
    if (requested) reconcileIds.add(requested);
    const hints = { manualResultIds: new Set(this.manual.get(key) ?? []), reconcileIds };
    return infos
      .flatMap((info) => {
        const entry = resultEntry(info, hints);
        return entry ? [entry] : [];
      })
      .slice(0, TIMELINE_LIMITS.results);
  }

  /**
   * The newest deploy that changed the cluster (not a dry run), from the stored results, else the status's
   * `lastDeployResult` (which some controller versions leave at an older deploy after manual requests).
   */
  lastDeployResultId(kd: KluctlDeployment): string | undefined {
    const stored = this.results(kd).find((r) => r.resultKind === 'command' && r.command === 'deploy' && !r.dryRun);
    return stored?.id ?? kd.status?.lastDeployResult?.id;
  }

  /**
   * The newest validation: the newest stored validate result when it is newer than the status's
   * `lastValidateResult` (kluctl v2.22.1 does not write a manual validate request of a suspended deployment into the
   * status), else the status's. `stored` says whether it must be read from the result store.
   */
  lastValidateResultId(kd: KluctlDeployment): { id: string; stored: boolean } | undefined {
    const status = kd.status?.lastValidateResult;
    const newest = this.results(kd).find((r) => r.resultKind === 'validate');
    const statusTime = Date.parse(status?.endTime ?? '');
    if (newest && newest.id !== status?.id && !(newest.time.getTime() <= statusTime))
      return { id: newest.id, stored: true };
    return status?.id ? { id: status.id, stored: false } : undefined;
  }

  /** Events and results in one list, newest first. */
  timeline(kd: KluctlDeployment): TimelineEntry[] {
    const key = deploymentKey({ namespace: kd.metadata.namespace ?? '', name: kd.metadata.name });
    const events = [...(this.events.get(key)?.entries.values() ?? [])];
    return mergeTimeline([...events, ...this.results(kd)], TIMELINE_LIMITS.events + TIMELINE_LIMITS.results);
  }

  private startResults(): void {
    if (this.resultsWatch) return;
    const abort = new AbortController();
    this.resultsWatch = abort;
    const namespace = this.options.resultsNamespace ?? DEFAULT_RESULTS_NAMESPACE;
    this.track(
      listAndWatch<KubeObject>(
        this.client,
        {
          path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
          labelSelector: `${RESULT_LABELS.isResult}=true`,
          metadataOnly: true,
          signal: abort.signal,
          backoffMs: this.options.backoffMs,
          description: `Kluctl results in ${namespace}`,
        },
        {
          onList: (items) => {
            this.index.replaceAll(items);
            this.resultsListed = true;
            this.changed.fire();
          },
          onEvent: (type, secret) => {
            const id =
              secret.metadata.labels?.[RESULT_LABELS.commandResultId] ||
              secret.metadata.labels?.[RESULT_LABELS.validateResultId];
            if (type === 'DELETED') {
              if (id) this.index.remove(id);
            } else this.index.put(secret);
            this.changed.fire();
          },
        },
      ),
    );
  }

  private stopResults(): void {
    this.resultsWatch?.abort();
    this.resultsWatch = undefined;
    this.resultsListed = false;
  }

  private startEvents(ref: DeploymentRef, watch: EventWatch): void {
    const put = (event: KubeEvent): void => {
      const entry = eventEntry(event);
      if (!entry) return;
      watch.entries.set(entry.id, entry);
      if (watch.entries.size > TIMELINE_LIMITS.events) {
        const oldest = [...watch.entries.values()].sort((a, b) => a.time.getTime() - b.time.getTime())[0];
        watch.entries.delete(oldest.id);
      }
    };
    this.track(
      listAndWatch<KubeEvent>(
        this.client,
        {
          path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/events`,
          fieldSelector: `involvedObject.kind=KluctlDeployment,involvedObject.name=${ref.name}`,
          signal: watch.abort.signal,
          backoffMs: this.options.backoffMs,
          description: `Events of ${ref.namespace}/${ref.name}`,
        },
        {
          onList: (items) => {
            watch.entries.clear();
            for (const e of items) put(e);
            this.changed.fire();
          },
          onEvent: (type, event) => {
            if (type === 'DELETED') watch.entries.delete(event.metadata.uid ?? '');
            else put(event);
            this.changed.fire();
          },
        },
      ),
    );
  }
}

/** A copy of a result Secret's info keeping only what the timeline and comparisons read. */
function trimInfo(info: ResultSecretInfo): ResultSecretInfo {
  const s = info.summary as (CommandResultSummary & { startTime?: string; endTime?: string }) | undefined;
  if (!s) return info;
  const problems = (list: unknown) =>
    Array.isArray(list)
      ? (list as Array<{ ref: unknown; message?: unknown }>).slice(0, TIMELINE_LIMITS.problems).map((p) => ({
          ref: p.ref,
          message: (typeof p.message === 'string' ? p.message : '').slice(0, TIMELINE_LIMITS.messageChars),
        }))
      : list;
  const trimmed: Record<string, unknown> = {
    id: s.id,
    reconcileId: s.reconcileId,
    kluctlDeployment: s.kluctlDeployment && {
      name: s.kluctlDeployment.name,
      namespace: s.kluctlDeployment.namespace,
    },
    targetKey: s.targetKey,
    ready: (s as unknown as { ready?: boolean }).ready,
    startTime: s.startTime,
    endTime: s.endTime,
    commandInfo: s.commandInfo && {
      initiator: s.commandInfo.initiator,
      command: s.commandInfo.command,
      startTime: s.commandInfo.startTime,
      endTime: s.commandInfo.endTime,
      dryRun: s.commandInfo.dryRun,
    },
    gitInfo: s.gitInfo?.commit ? { commit: s.gitInfo.commit } : undefined,
    newObjects: s.newObjects,
    changedObjects: s.changedObjects,
    deletedObjects: s.deletedObjects,
    orphanObjects: s.orphanObjects,
    errors: problems(s.errors),
    warnings: problems(s.warnings),
  };
  return { ...info, summary: trimmed as unknown as ResultSecretInfo['summary'] };
}

function timeOf(info: ResultSecretInfo): number {
  const s = info.summary as { commandInfo?: { endTime?: string; startTime?: string }; endTime?: string } | undefined;
  const t = Date.parse(s?.commandInfo?.endTime ?? s?.commandInfo?.startTime ?? s?.endTime ?? '');
  return Number.isNaN(t) ? 0 : t;
}
