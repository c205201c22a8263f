import type { IncomingMessage } from 'node:http';
import { sleep } from '../util/sleep.js';
import type { KubeClient, Query } from './client.js';
import { CancelledError } from '../util/errors.js';
import { KubeApiError } from './errors.js';
import type { KubeList, KubeObject } from './objects.js';

const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type WatchState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** A failure the loop will retry after `retryInMs` (unreachable, 5xx, expired watch). */
  | { kind: 'retrying'; error: Error; retryInMs: number }
  /** A failure retrying cannot fix (403, 404): the loop stops. */
  | { kind: 'failed'; error: Error };

export interface WatchHandlers<T extends KubeObject> {
  /** The complete current set, after the first list and after every re-list. */
  onList?(items: T[]): void;
  onEvent?(type: WatchEventType, object: T): void;
  onState?(state: WatchState): void;
}

export interface WatchOptions {
  /** Collection path, e.g. `/apis/gitops.kluctl.io/v1beta1/kluctldeployments`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Metadata only: objects come as PartialObjectMetadata (labels and annotations, no data or spec). */
  metadataOnly?: boolean;
  signal: AbortSignal;
  /** Server-side watch duration before it is renewed (default 5 min). */
  watchSeconds?: number;
  /** Retry delays grow from the first to the last value (default 1 s … 30 s). */
  backoffMs?: { initial: number; max: number };
  description?: string;
}

/**
 * List, then watch from the list's resourceVersion, like an informer: bookmarks keep the version fresh, an
 * expired version (410) or a dropped stream leads to a re-list, network failures are retried with backoff.
 * Runs until the signal aborts (then resolves) or a permanent error (403/404), which it reports and resolves.
 */
export async function listAndWatch<T extends KubeObject>(
  client: KubeClient,
  options: WatchOptions,
  handlers: WatchHandlers<T>,
): Promise<void> {
  const backoff = options.backoffMs ?? { initial: 1000, max: 30_000 };
  let delay = backoff.initial;
  const query: Query = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
  const what = options.description ?? `watch ${options.path}`;

  while (!options.signal.aborted) {
    handlers.onState?.({ kind: 'connecting' });
    try {
      const list = await client.requestJson<KubeList<T>>({
        path: options.path,
        query,
        signal: options.signal,
        accept: options.metadataOnly ? METADATA_LIST_ACCEPT : undefined,
        description: `list ${what}`,
      });
      handlers.onList?.(list.items ?? []);
      handlers.onState?.({ kind: 'live' });
      delay = backoff.initial;
      let resourceVersion = list.metadata.resourceVersion ?? '';
      // Watch until the version expires; each server-side timeout just renews the watch.
      for (;;) {
        const outcome = await watchOnce<T>(client, options, query, resourceVersion, what, handlers);
        if (outcome.kind === 'expired') break;
        resourceVersion = outcome.resourceVersion;
      }
    } catch (error) {
      if (options.signal.aborted || error instanceof CancelledError) return;
      if (isPermanent(error)) {
        handlers.onState?.({ kind: 'failed', error: error as Error });
        return;
      }
      handlers.onState?.({ kind: 'retrying', error: error as Error, retryInMs: delay });
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, backoff.max);
    }
  }
}

type WatchOutcome = { kind: 'renew'; resourceVersion: string } | { kind: 'expired' };

interface WatchEvent<T> {
  type: WatchEventType | 'BOOKMARK' | 'ERROR';
  object: T | { kind: 'Status'; code?: number; reason?: string; message?: string };
}

async function watchOnce<T extends KubeObject>(
  client: KubeClient,
  options: WatchOptions,
  query: Query,
  resourceVersion: string,
  what: string,
  handlers: WatchHandlers<T>,
): Promise<WatchOutcome> {
  const watchSeconds = options.watchSeconds ?? 300;
  const response = await client.stream({
    path: options.path,
    query: { ...query, watch: 1, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: watchSeconds },
    signal: options.signal,
    accept: options.metadataOnly ? METADATA_ACCEPT : undefined,
    description: what,
  });
  let version = resourceVersion;
  let expired = false;
  await readLines(response, watchSeconds * 1000 + 30_000, (line) => {
    const event = JSON.parse(line) as WatchEvent<T>;
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; reason?: string; message?: string };
      if (status.code === 410) {
        expired = true;
        return false;
      }
      throw new KubeApiError(status.code ?? 500, status.reason ?? '', status.message ?? '', what);
    }
    const object = event.object as T;
    version = object.metadata?.resourceVersion ?? version;
    if (event.type !== 'BOOKMARK') handlers.onEvent?.(event.type, object);
    return true;
  });
  if (options.signal.aborted) throw new CancelledError(what);
  return expired ? { kind: 'expired' } : { kind: 'renew', resourceVersion: version };
}

/**
 * Feeds newline-delimited JSON to `onLine` until the stream ends, `onLine` returns false, or nothing (not even a
 * bookmark) arrived for `idleMs`, which means the connection silently died.
 */
function readLines(response: IncomingMessage, idleMs: number, onLine: (line: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let idle = setTimeout(() => response.destroy(), idleMs);
    const finish = (error?: Error): void => {
      clearTimeout(idle);
      if (error) reject(error);
      else resolve();
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      clearTimeout(idle);
      idle = setTimeout(() => response.destroy(), idleMs);
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        try {
          if (!onLine(line)) {
            response.destroy();
            finish();
            return;
          }
        } catch (error) {
          response.destroy();
          finish(error as Error);
          return;
        }
      }
    });
    response.on('end', () => finish());
    response.on('close', () => finish());
    response.on('error', (error) => (error instanceof CancelledError ? finish(error) : finish()));
  });
}

function isPermanent(error: unknown): boolean {
  return error instanceof KubeApiError && (error.isForbidden || error.isNotFound || error.statusCode === 401);
}
