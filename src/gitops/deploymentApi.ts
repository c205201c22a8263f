import type { KubeClient } from '../kube/client.js';
import { CancelledError } from '../util/errors.js';
import { listAndWatch } from '../kube/watch.js';
import { KLUCTL_GROUP, KLUCTL_VERSION, KLUCTL_DEPLOYMENT_PLURAL, type KluctlDeployment } from '../kluctl/types.js';
import { FIELD_MANAGERS } from '../kluctl/fieldManagers.js';

/** Our field manager for every write, so `managedFields` shows who changed what. */

export interface DeploymentRef {
  namespace: string;
  name: string;
}

export function describeRef(ref: DeploymentRef): string {
  return `KluctlDeployment ${ref.namespace}/${ref.name}`;
}

/** The collection path (all namespaces, or one), or one deployment's path. */
export function deploymentsPath(namespace?: string, name?: string): string {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `/apis/${KLUCTL_GROUP}/${KLUCTL_VERSION}${ns}/${KLUCTL_DEPLOYMENT_PLURAL}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function getDeployment(
  client: KubeClient,
  ref: DeploymentRef,
  options: CallOptions = {},
): Promise<KluctlDeployment> {
  return client.requestJson<KluctlDeployment>({
    path: deploymentsPath(ref.namespace, ref.name),
    ...options,
    description: `get ${describeRef(ref)}`,
  });
}

/** A JSON merge patch (RFC 7386) with our field manager, as the kluctl CLI and Webui write. */
export function mergePatchDeployment(
  client: KubeClient,
  ref: DeploymentRef,
  patch: object,
  what: string,
  options: CallOptions = {},
): Promise<KluctlDeployment> {
  return client.requestJson<KluctlDeployment>({
    method: 'PATCH',
    path: deploymentsPath(ref.namespace, ref.name),
    query: { fieldManager: FIELD_MANAGERS.requests },
    body: patch,
    contentType: 'application/merge-patch+json',
    ...options,
    description: `${what} ${describeRef(ref)}`,
  });
}

export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** Why the wait timed out, in the user's terms. */
  timeoutMessage: string;
  /** Called with every version of the deployment seen while waiting. */
  onUpdate?(kd: KluctlDeployment): void;
}

/**
 * Watches one deployment until `done` returns a value (which is resolved), it is deleted, the signal aborts or
 * the timeout passes. `done` may throw to end the wait with an error.
 */
export function waitForDeployment<T>(
  client: KubeClient,
  ref: DeploymentRef,
  done: (kd: KluctlDeployment) => T | undefined,
  options: WaitOptions,
): Promise<T> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(options.timeoutMessage)), options.timeoutMs);
    let finished = false;
    function finish(error: Error | undefined, value?: T): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stop.abort();
      if (error) reject(error);
      else resolve(value as T);
    }
    const check = (kd: KluctlDeployment): void => {
      options.onUpdate?.(kd);
      try {
        const value = done(kd);
        if (value !== undefined) finish(undefined, value);
      } catch (error) {
        finish(error as Error);
      }
    };
    listAndWatch<KluctlDeployment>(
      client,
      {
        path: deploymentsPath(ref.namespace),
        fieldSelector: `metadata.name=${ref.name}`,
        signal: stop.signal,
        description: describeRef(ref),
      },
      {
        onList: (items) => {
          if (items.length === 0) finish(new Error(`${describeRef(ref)} does not exist`));
          else check(items[0]);
        },
        onEvent: (type, kd) => (type === 'DELETED' ? finish(new Error(`${describeRef(ref)} was deleted`)) : check(kd)),
        onState: (state) => {
          if (state.kind === 'failed') finish(state.error);
        },
      },
    ).then(
      () => {
        if (options.signal?.aborted) finish(new CancelledError(`waiting for ${describeRef(ref)}`));
      },
      (error: Error) => finish(error),
    );
  });
}
