import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { KubeClient } from '../kube/client.js';
import { CancelledError } from '../util/errors.js';
import { KubeApiError } from '../kube/errors.js';
import type { KubeList, KubeObject } from '../kube/objects.js';

/** One JSON line of the kluctl-controller's log (controller-runtime zap, production encoding). */
export interface LogRecord {
  time?: Date;
  level: string;
  message: string;
  /** The KluctlDeployment being reconciled, when the line was logged inside a reconcile. */
  name?: string;
  namespace?: string;
  reconcileId?: string;
  error?: string;
  /** Logged by the previous (terminated) container of this Pod, read with `previous=true`. */
  previousContainerOf?: string;
}

export interface LogFilter {
  name?: string;
  namespace?: string;
  reconcileId?: string;
}

export const CONTROLLER_POD_SELECTOR = 'control-plane=kluctl-controller';
export const CONTROLLER_CONTAINER = 'controller';

/** Parses one log line; lines that are not JSON records are dropped, as the kluctl CLI does. */
export function parseLogLine(line: string): LogRecord | undefined {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.msg !== 'string') return undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    time: parseTime(raw.ts),
    level: str(raw.level) ?? 'info',
    message: raw.msg,
    name: str(raw.name),
    namespace: str(raw.namespace),
    reconcileId: str(raw.reconcileID),
    error: str(raw.error),
  };
}

/** `ts` is RFC 3339 in current controllers and epoch seconds in zap's default encoding; accept both. */
function parseTime(ts: unknown): Date | undefined {
  if (typeof ts === 'number') return new Date(ts * 1000);
  if (typeof ts === 'string') {
    const parsed = new Date(ts);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

export function matchesFilter(record: LogRecord, filter: LogFilter): boolean {
  if (filter.name !== undefined && record.name !== filter.name) return false;
  if (filter.namespace !== undefined && record.namespace !== filter.namespace) return false;
  if (filter.reconcileId !== undefined && record.reconcileId !== filter.reconcileId) return false;
  return true;
}

/** `2026-06-25T10:11:12.000Z INFO  message (error: …)`, one line per record. */
export function formatLogRecord(record: LogRecord): string {
  const time = record.time ? record.time.toISOString() : '-';
  const error = record.error ? ` (error: ${record.error})` : '';
  return `${time} ${record.level.toUpperCase().padEnd(5)} ${record.message}${error}`;
}

/** Header line for a group of records that belong to one reconciliation, as `kluctl gitops logs` prints it. */
export function groupHeader(record: LogRecord): string {
  const previous = record.previousContainerOf
    ? ` (previous container of Pod ${record.previousContainerOf}, before its restart)`
    : '';
  if (!record.name) return `Showing general controller logs${previous}`;
  return `Showing logs for ${record.namespace}/${record.name} and reconciliation ID ${record.reconcileId ?? '(none)'}${previous}`;
}

export interface LogStreamOptions {
  filter: LogFilter;
  /** Keep streaming new lines until the signal aborts. */
  follow: boolean;
  signal?: AbortSignal;
  onRecord(record: LogRecord): void;
  /** Something the reader should know that is not a log line (e.g. a restarted Pod's previous logs are gone). */
  onNote?(message: string): void;
}

/** The previous container's logs are read from their end: at most this many lines per Pod. */
export const PREVIOUS_LOG_TAIL_LINES = 5000;

interface PodWithRestarts extends KubeObject {
  status?: { containerStatuses?: Array<{ name: string; restartCount?: number }> };
}

/** How often the controller container of a Pod restarted (0 when unknown). */
export function controllerRestarts(pod: PodWithRestarts): number {
  return pod.status?.containerStatuses?.find((c) => c.name === CONTROLLER_CONTAINER)?.restartCount ?? 0;
}

/**
 * Streams the logs of every kluctl-controller pod (`container=controller`, the last `sinceSeconds`) through the
 * filter. When a Pod's controller container restarted, the previous container's lines (`previous=true`, at most
 * the last PREVIOUS_LOG_TAIL_LINES) come first, marked `previousContainerOf`: they explain a crash. Previous logs
 * that are gone (the kubelet answers 400) are a note, not a failure. Resolves when all streams end (or,
 * following, when the signal aborts).
 */
export async function streamPodLogs(
  client: KubeClient,
  options: LogStreamOptions & { controllerNamespace: string; sinceSeconds?: number },
): Promise<void> {
  const pods = await client.requestJson<KubeList<PodWithRestarts>>({
    path: `/api/v1/namespaces/${encodeURIComponent(options.controllerNamespace)}/pods`,
    query: { labelSelector: CONTROLLER_POD_SELECTOR },
    signal: options.signal,
    description: 'find kluctl-controller pods',
  });
  if (pods.items.length === 0) {
    throw new Error(
      `no kluctl-controller pods (label ${CONTROLLER_POD_SELECTOR}) in namespace "${options.controllerNamespace}": is the controller installed there?`,
    );
  }
  const sinceSeconds = options.sinceSeconds ?? 60;
  await Promise.all(
    pods.items.map(async (pod) => {
      const name = pod.metadata.name;
      const logPath = `/api/v1/namespaces/${encodeURIComponent(options.controllerNamespace)}/pods/${encodeURIComponent(name)}/log`;
      if (controllerRestarts(pod) > 0) {
        try {
          const previous = await client.stream({
            path: logPath,
            query: {
              container: CONTROLLER_CONTAINER,
              previous: true,
              sinceSeconds,
              tailLines: PREVIOUS_LOG_TAIL_LINES,
            },
            signal: options.signal,
            description: `logs of the previous container of pod ${name}`,
          });
          await consumeLines(previous, options, name);
        } catch (error) {
          if (!(error instanceof KubeApiError)) throw error;
          options.onNote?.(
            `the logs of Pod ${name}'s previous container (before its restart) are not available: ${error.apiMessage || error.message}`,
          );
        }
        if (options.signal?.aborted) return;
      }
      const response = await client.stream({
        path: logPath,
        query: {
          container: CONTROLLER_CONTAINER,
          follow: options.follow || undefined,
          sinceSeconds,
        },
        signal: options.signal,
        description: `logs of pod ${name}`,
      });
      await consumeLines(response, options);
    }),
  );
}

/**
 * Reads a controller log file (a controller running as a local process), from the start; following, it then
 * polls for appended lines until the signal aborts.
 */
export async function streamFileLogs(file: string, options: LogStreamOptions & { pollMs?: number }): Promise<void> {
  let offset = 0;
  let partial = '';
  for (;;) {
    const size = fs.statSync(file).size;
    if (size > offset) {
      const handle = await fs.promises.open(file, 'r');
      try {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        partial = emitLines(partial + buffer.toString('utf8'), options);
      } finally {
        await handle.close();
      }
    }
    if (!options.follow || options.signal?.aborted) return;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    if (options.signal?.aborted) return;
  }
}

function consumeLines(stream: IncomingMessage, options: LogStreamOptions, previousOf?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      partial = emitLines(partial + chunk, options, previousOf);
    });
    stream.on('end', () => resolve());
    stream.on('error', (error) => (error instanceof CancelledError ? resolve() : reject(error)));
  });
}

/** Emits every complete line; returns the incomplete rest. */
function emitLines(text: string, options: LogStreamOptions, previousOf?: string): string {
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  for (const line of lines) {
    const record = parseLogLine(line);
    if (record && previousOf) record.previousContainerOf = previousOf;
    if (record && matchesFilter(record, options.filter)) options.onRecord(record);
  }
  // A "line" that never ends is not a log record: it is dropped rather than held without bound.
  return rest.length > MAX_LINE_CHARS ? '' : rest;
}

/** Longer lines are dropped (the controller's JSON records are far shorter). */
const MAX_LINE_CHARS = 1024 * 1024;

/** One reconciliation of a deployment as its logs and status show it, for picking whose logs to show. */
export interface ReconcileEntry {
  reconcileId: string;
  /** The first and last log line seen (or the request's start/end from the status). */
  start?: Date;
  end?: Date;
  lines: number;
  /** What it was: `deploy request`, or the first log message. */
  what: string;
}

/**
 * The reconciliations of one deployment, newest first: those the status names (one per request kind) and those seen in
 * its log records. At most `limit` are kept, so a long log cannot grow the list without bound.
 */
export function collectReconciles(
  records: Iterable<LogRecord>,
  requestResults: ReadonlyArray<{ kind: string; reconcileId?: string; startTime?: string; endTime?: string }>,
  limit = 100,
): ReconcileEntry[] {
  const byId = new Map<string, ReconcileEntry>();
  for (const r of requestResults) {
    if (!r.reconcileId) continue;
    const start = r.startTime ? new Date(r.startTime) : undefined;
    const end = r.endTime ? new Date(r.endTime) : undefined;
    byId.set(r.reconcileId, { reconcileId: r.reconcileId, start, end, lines: 0, what: `${r.kind} request` });
  }
  for (const record of records) {
    if (!record.reconcileId) continue;
    let entry = byId.get(record.reconcileId);
    if (!entry) {
      entry = { reconcileId: record.reconcileId, lines: 0, what: record.message.slice(0, 120) };
      byId.set(record.reconcileId, entry);
    }
    entry.lines++;
    if (record.time && (!entry.start || record.time < entry.start)) entry.start = record.time;
    if (record.time && (!entry.end || record.time > entry.end)) entry.end = record.time;
    const request = /^Processing kluctl\.io\/request-(\w+)/.exec(record.message);
    if (request) entry.what = `${request[1]} request`;
  }
  return [...byId.values()].sort((a, b) => (b.start?.getTime() ?? 0) - (a.start?.getTime() ?? 0)).slice(0, limit);
}
