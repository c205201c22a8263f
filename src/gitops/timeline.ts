/**
 * A deployment's history in one chronological list: the controller's Kubernetes Events on the KluctlDeployment
 * and its stored command/validate results (protocol §6 and §8). Pure: entries are built from plain objects, the
 * watches that feed them live in history.ts.
 */
import type { KubeObject } from '../kube/objects.js';
import type { ResultSecretInfo } from '../kluctl/results.js';
import type { CommandResultSummary, DeploymentError, ValidateResultSummary } from '../kluctl/resultTypes.js';
import { REQUEST_KINDS, REQUEST_RESULT_FIELDS, type KluctlDeployment } from '../kluctl/types.js';

/** A core/v1 Event, as the controller's recorder writes them (counted in place when repeated). */
export interface KubeEvent extends KubeObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string };
}

/**
 * Who started a command: the controller's reconcile, a manual request (Webui, CLI `gitops`, this editor), a push
 * from the command line, or the controller when the stored result does not tell reconcile from manual request.
 */
export type Initiator = 'reconcile' | 'manual request' | 'CLI' | 'controller';

/**
 * What a deployment's status and its other stored results tell about who started a result: the result ids of manual
 * requests (the status names the latest of each kind; older ones if seen while watching), and the reconcile ids of
 * full reconciles (a reconcile id shared by two stored results, or the status's `reconcileRequestResult`).
 */
export interface InitiatorHints {
  manualResultIds: ReadonlySet<string>;
  reconcileIds: ReadonlySet<string>;
}

const NO_HINTS: InitiatorHints = { manualResultIds: new Set(), reconcileIds: new Set() };

/**
 * Who started a stored result, from its summary alone where kluctl v2.22.1 records it, else from the hints. The
 * result says `commandInfo.initiator` (`CommandLine` or `KluctlDeployment`) and, when the controller wrote it,
 * `kluctlDeployment`; it has no field for "manual request". What the controller's code makes certain:
 * - `CommandLine`, or a command result without `kluctlDeployment`: a CLI push (kluctl or kluctl-ts);
 * - a controller diff result: only a manual diff request stores one (drift detection stays in the status);
 * - a controller deploy/prune with nothing new, changed, deleted or orphan and no error or warning: only a manual
 *   request forces storing an empty result, a reconcile skips it;
 * - a result whose reconcile id another stored result shares: a reconcile that handles a manual request handles only
 *   that one and stores one result, a full reconcile stores deploy and validate (and prune) under one id.
 * Anything else is `controller`: the stored data cannot tell a reconcile from a manual request.
 */
export function deriveInitiator(info: ResultSecretInfo, hints: InitiatorHints = NO_HINTS): Initiator {
  if (hints.manualResultIds.has(info.id)) return 'manual request';
  const summary = info.summary;
  if (info.kind === 'command') {
    const c = summary as CommandResultSummary | undefined;
    if (c?.commandInfo?.initiator === 'CommandLine') return 'CLI';
    if (!c?.kluctlDeployment && !info.deployment) return 'CLI';
  }
  const reconcileId = summary?.reconcileId;
  if (reconcileId && hints.reconcileIds.has(reconcileId)) return 'reconcile';
  if (info.kind === 'command') {
    const c = summary as CommandResultSummary;
    if (c.commandInfo?.command === 'diff') return 'manual request';
    const empty =
      !c.newObjects &&
      !c.changedObjects &&
      !c.deletedObjects &&
      !c.orphanObjects &&
      !(Array.isArray(c.errors) && c.errors.length > 0) &&
      !(Array.isArray(c.warnings) && c.warnings.length > 0);
    if (empty) return 'manual request';
  }
  return 'controller';
}

/** The reconcile ids shared by two or more of `infos` (a full reconcile's results). */
export function sharedReconcileIds(infos: Iterable<ResultSecretInfo>): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const info of infos) {
    const id = info.summary?.reconcileId;
    if (!id) continue;
    if (seen.has(id)) shared.add(id);
    else seen.add(id);
  }
  return shared;
}

export type ResultCommand = 'diff' | 'deploy' | 'prune' | 'poke-images' | 'delete' | 'validate';

export interface EventEntry {
  kind: 'event';
  /** Stable across updates of the same Event (its uid). */
  id: string;
  time: Date;
  warning: boolean;
  reason: string;
  message: string;
  count: number;
}

export interface ResultEntry {
  kind: 'result';
  /** The result id (also the Secret's id label). */
  id: string;
  resultKind: 'command' | 'validate';
  command: ResultCommand;
  initiator: Initiator;
  time: Date;
  reconcileId: string;
  errors: DeploymentError[];
  warnings: DeploymentError[];
  /** Command results: object counts; validate results: undefined. */
  counts?: { new: number; changed: number; deleted: number; orphan: number };
  /** Validate results: whether everything was ready. */
  ready?: boolean;
  dryRun?: boolean;
  commit?: string;
}

export type TimelineEntry = EventEntry | ResultEntry;

/** What the timeline keeps of one deployment (the newest); the watches drop older entries. */
export const TIMELINE_LIMITS = { events: 50, results: 20, messageChars: 2000, problems: 20 } as const;

export function eventEntry(event: KubeEvent): EventEntry | undefined {
  const time = parseTime(
    event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp,
  );
  if (!time) return undefined;
  return {
    kind: 'event',
    id: event.metadata.uid ?? `${event.metadata.namespace}/${event.metadata.name}`,
    time,
    warning: event.type === 'Warning',
    reason: event.reason ?? '',
    message: clip(event.message ?? '', TIMELINE_LIMITS.messageChars),
    count: Math.max(1, event.series?.count ?? event.count ?? 1),
  };
}

/**
 * A result Secret (its labels and summary annotation: no payload needed) as a timeline entry; `hints` help tell who
 * started it (deriveInitiator).
 */
export function resultEntry(info: ResultSecretInfo, hints: InitiatorHints = NO_HINTS): ResultEntry | undefined {
  const summary = info.summary;
  if (!summary) return undefined;
  const problems = (list: unknown): DeploymentError[] =>
    (Array.isArray(list) ? (list as DeploymentError[]) : [])
      .slice(0, TIMELINE_LIMITS.problems)
      .map((p) => ({ ref: p.ref, message: clip(String(p.message ?? ''), TIMELINE_LIMITS.messageChars) }));
  if (info.kind === 'validate') {
    const v = summary as ValidateResultSummary;
    const time = parseTime(v.endTime ?? v.startTime);
    if (!time) return undefined;
    return {
      kind: 'result',
      id: info.id,
      resultKind: 'validate',
      command: 'validate',
      initiator: deriveInitiator(info, hints),
      time,
      reconcileId: v.reconcileId ?? '',
      // The validate summary has counts, not lists: the lists are in the result itself (or in the status).
      errors: [],
      warnings: [],
      ready: v.ready,
    };
  }
  const c = summary as CommandResultSummary;
  const info2 = c.commandInfo;
  const time = parseTime(info2?.endTime ?? info2?.startTime);
  if (!time) return undefined;
  const initiator = deriveInitiator(info, hints);
  return {
    kind: 'result',
    id: info.id,
    resultKind: 'command',
    command: info2?.command ?? 'deploy',
    initiator,
    time,
    reconcileId: c.reconcileId ?? '',
    errors: problems(c.errors),
    warnings: problems(c.warnings),
    counts: {
      new: c.newObjects ?? 0,
      changed: c.changedObjects ?? 0,
      deleted: c.deletedObjects ?? 0,
      orphan: c.orphanObjects ?? 0,
    },
    dryRun: info2?.dryRun === true,
    commit: c.gitInfo?.commit || undefined,
  };
}

/** The result ids of the manual requests a deployment's status reports. */
export function manualRequestResultIds(kd: KluctlDeployment): string[] {
  return REQUEST_KINDS.flatMap((kind) => {
    const id = kd.status?.[REQUEST_RESULT_FIELDS[kind]]?.resultId;
    return id ? [id] : [];
  });
}

/** Newest first; at most `limit` entries. Ties keep results before the Events they caused. */
export function mergeTimeline(entries: Iterable<TimelineEntry>, limit = 100): TimelineEntry[] {
  return [...entries]
    .sort((a, b) => b.time.getTime() - a.time.getTime() || (a.kind === b.kind ? 0 : a.kind === 'result' ? -1 : 1))
    .slice(0, limit);
}

/** One line for a tree item: label, description and whether it reports a failure. */
export function describeEntry(
  entry: TimelineEntry,
  now: Date,
): { label: string; description: string; failed: boolean; warned: boolean } {
  const age = formatAge(now.getTime() - entry.time.getTime());
  if (entry.kind === 'event') {
    const count = entry.count > 1 ? ` (×${entry.count})` : '';
    return {
      label: `${entry.reason || 'Event'}${count}`,
      description: `${age} · ${firstLine(entry.message)}`,
      failed: entry.warning,
      warned: false,
    };
  }
  const parts = [age, entry.initiator];
  if (entry.counts) {
    const c = entry.counts;
    parts.push(`${c.new} new · ${c.changed} changed · ${c.deleted} deleted · ${c.orphan} orphan`);
  }
  if (entry.ready !== undefined) parts.push(entry.ready ? 'ready' : 'not ready');
  if (entry.errors.length > 0) parts.push(`${entry.errors.length} errors: ${firstLine(entry.errors[0].message)}`);
  else if (entry.warnings.length > 0) parts.push(`${entry.warnings.length} warnings`);
  if (entry.commit) parts.push(entry.commit.slice(0, 7));
  return {
    label: `${entry.command}${entry.dryRun ? ' (dry run)' : ''}`,
    description: parts.join(' · '),
    failed: entry.errors.length > 0 || entry.ready === false,
    warned: entry.warnings.length > 0,
  };
}

/** `12s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

function parseTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0];
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
