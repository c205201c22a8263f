import type { KubeClient } from '../kube/client.js';
import { CancelledError } from '../util/errors.js';
import { KubeApiError, KubeCredentialsError, KubeUnreachableError } from '../kube/errors.js';
import type { KubeList, KubeObject } from '../kube/objects.js';
import { listAndWatch, type WatchState } from '../kube/watch.js';
import { Emitter } from '../util/emitter.js';
import { deploymentsPath } from './deploymentApi.js';
import { KLUCTL_DEPLOYMENT_CRD, KLUCTL_GROUP, KLUCTL_VERSION, type KluctlDeployment } from '../kluctl/types.js';

/** What a context can show: its deployments, or why not. */
export type ContextState =
  | { kind: 'loading' }
  /** `namespaces` is `all`, or the namespaces that could be listed when cluster-wide listing is forbidden. */
  | { kind: 'ready'; namespaces: 'all' | string[]; warning?: string }
  | { kind: 'unreachable'; message: string; retryInMs?: number }
  | { kind: 'credentials'; message: string }
  | { kind: 'crdMissing'; message: string }
  | { kind: 'controllerTooOld'; message: string }
  | { kind: 'forbidden'; message: string };

export interface DeploymentWatcherOptions {
  /** Namespaces to try when the user may not list KluctlDeployments cluster-wide nor list namespaces. */
  fallbackNamespaces?: string[];
  /** Retry delays after failures (default 1 s growing to 30 s). */
  backoffMs?: { initial: number; max: number };
}

/**
 * The KluctlDeployments of one context, kept current by watches: all namespaces when allowed, otherwise every
 * namespace the user may list them in. Reports a missing CRD (controller not installed), a controller older than
 * v2.22, an unreachable cluster, failing credentials and RBAC denial as states instead of throwing.
 */
export class DeploymentWatcher {
  private readonly byNamespace = new Map<string, Map<string, KluctlDeployment>>();
  private current: ContextState = { kind: 'loading' };
  private abort: AbortController | undefined;
  private readonly changed = new Emitter<void>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: DeploymentWatcherOptions = {},
  ) {}

  get state(): ContextState {
    return this.current;
  }

  get deployments(): KluctlDeployment[] {
    return [...this.byNamespace.values()].flatMap((m) => [...m.values()]);
  }

  /** Fires after any change of the deployments or the state. */
  onDidChange(listener: () => void): () => void {
    return this.changed.on(listener);
  }

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    void this.run(this.abort.signal);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
  }

  /** Stops and starts again, e.g. for a Retry button. */
  restart(): void {
    this.stop();
    this.byNamespace.clear();
    this.setState({ kind: 'loading' });
    this.start();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.options.backoffMs ?? { initial: 1000, max: 30_000 };
    let delay = backoff.initial;
    while (!signal.aborted) {
      // Watches of a failed attempt must end before the next attempt starts its own.
      const attempt = new AbortController();
      const onAbort = (): void => attempt.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await this.connect(attempt.signal);
        return;
      } catch (error) {
        attempt.abort();
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted || error instanceof CancelledError) return;
        const final = finalState(error as Error);
        if (final) return this.setState(final);
        this.setState({ kind: 'unreachable', message: (error as Error).message, retryInMs: delay });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, backoff.max);
      }
    }
  }

  private async connect(signal: AbortSignal): Promise<void> {
    const problem = await this.checkApi(signal);
    if (problem) return this.setState(problem);
    const clusterWide = await this.watchNamespaces(['*'], signal);
    if (clusterWide.allowed.length > 0) return;
    const namespaces = await this.listableNamespaces(signal);
    const perNamespace = await this.watchNamespaces(namespaces, signal);
    if (perNamespace.allowed.length === 0) {
      this.setState({
        kind: 'forbidden',
        message: `not allowed to list KluctlDeployments cluster-wide or in ${namespaces.length === 0 ? 'any namespace' : `namespace(s) ${namespaces.join(', ')}`}`,
      });
    }
  }

  /** Undefined when KluctlDeployments can be served, else the state that explains why not. */
  private async checkApi(signal: AbortSignal): Promise<ContextState | undefined> {
    try {
      await this.client.requestJson({
        path: `/apis/${KLUCTL_GROUP}/${KLUCTL_VERSION}`,
        signal,
        description: 'discover the KluctlDeployment API',
      });
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) {
        return {
          kind: 'crdMissing',
          message: `the KluctlDeployment API (${KLUCTL_GROUP}/${KLUCTL_VERSION}) is not installed in this cluster: is the kluctl-controller installed?`,
        };
      }
      throw error;
    }
    try {
      const crd = await this.client.requestJson<KubeObject>({
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${KLUCTL_DEPLOYMENT_CRD}`,
        signal,
        description: 'read the KluctlDeployment CRD',
      });
      if (!JSON.stringify(crd.spec ?? {}).includes('"reconcileRequestResult"')) {
        return {
          kind: 'controllerTooOld',
          message:
            'the installed KluctlDeployment CRD predates kluctl-controller v2.22.0; upgrade the controller to use manual requests',
        };
      }
    } catch (error) {
      // Reading CRDs needs cluster-scoped rights many users lack; the check is then skipped.
      if (!(error instanceof KubeApiError && (error.isForbidden || error.isNotFound))) throw error;
    }
    return undefined;
  }

  private async listableNamespaces(signal: AbortSignal): Promise<string[]> {
    try {
      const list = await this.client.requestJson<KubeList>({
        path: '/api/v1/namespaces',
        signal,
        description: 'list namespaces',
      });
      return list.items.map((n) => n.metadata.name);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.isForbidden)) throw error;
      const fallback = this.options.fallbackNamespaces ?? [];
      return fallback.length > 0 ? fallback : [this.client.defaultNamespace];
    }
  }

  /**
   * Starts one watch per namespace (`*` = cluster-wide) and resolves once each has either delivered its first
   * list or been denied. Denied ones are dropped; the others keep running until the signal aborts.
   */
  private async watchNamespaces(namespaces: string[], signal: AbortSignal): Promise<{ allowed: string[] }> {
    const outcomes = await Promise.all(namespaces.map((ns) => this.watchOne(ns, signal)));
    const allowed = namespaces.filter((_, i) => outcomes[i] === 'listed');
    const denied = namespaces.filter((_, i) => outcomes[i] === 'forbidden');
    if (allowed.length > 0) {
      this.setState({
        kind: 'ready',
        namespaces: allowed.includes('*') ? 'all' : allowed,
        warning:
          denied.length > 0 && !namespaces.includes('*')
            ? `not allowed to list KluctlDeployments in ${denied.join(', ')}`
            : undefined,
      });
    }
    return { allowed };
  }

  private watchOne(namespace: string, signal: AbortSignal): Promise<'listed' | 'forbidden'> {
    const key = namespace === '*' ? '' : namespace;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (outcome: 'listed' | 'forbidden' | Error): void => {
        if (settled) return;
        settled = true;
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      void listAndWatch<KluctlDeployment>(
        this.client,
        {
          path: deploymentsPath(key || undefined),
          signal,
          backoffMs: this.options.backoffMs,
          description: `KluctlDeployments${key ? ` in ${key}` : ''}`,
        },
        {
          onList: (items) => {
            this.replace(key, items);
            settle('listed');
          },
          onEvent: (type, kd) => this.update(key, type === 'DELETED' ? undefined : kd, kd),
          onState: (state: WatchState) => {
            if (state.kind === 'failed') {
              const forbidden = state.error instanceof KubeApiError && state.error.isForbidden;
              if (settled && forbidden) this.setState({ kind: 'forbidden', message: state.error.message });
              settle(forbidden ? 'forbidden' : state.error);
            } else if (state.kind === 'retrying') {
              if (!settled) settle(state.error);
              else this.setState({ kind: 'unreachable', message: state.error.message, retryInMs: state.retryInMs });
            } else if (state.kind === 'live' && this.current.kind === 'unreachable') {
              this.setState({ kind: 'ready', namespaces: key ? [key] : 'all' });
            }
          },
        },
      );
    });
  }

  private replace(namespaceKey: string, items: KluctlDeployment[]): void {
    const map = new Map(items.map((kd) => [`${kd.metadata.namespace}/${kd.metadata.name}`, kd]));
    this.byNamespace.set(namespaceKey, map);
    this.changed.fire();
  }

  private update(namespaceKey: string, kd: KluctlDeployment | undefined, seen: KluctlDeployment): void {
    const map = this.byNamespace.get(namespaceKey) ?? new Map<string, KluctlDeployment>();
    const id = `${seen.metadata.namespace}/${seen.metadata.name}`;
    if (kd) map.set(id, kd);
    else map.delete(id);
    this.byNamespace.set(namespaceKey, map);
    this.changed.fire();
  }

  private setState(state: ContextState): void {
    this.current = state;
    this.changed.fire();
  }
}

/** The state for an error that retrying will not fix, or undefined when it is worth retrying. */
function finalState(error: Error): ContextState | undefined {
  if (error instanceof KubeCredentialsError) return { kind: 'credentials', message: error.message };
  if (error instanceof KubeApiError && error.statusCode === 401) {
    return { kind: 'credentials', message: `${error.message} (the cluster rejected the credentials: log in again)` };
  }
  if (error instanceof KubeApiError && error.isForbidden) return { kind: 'forbidden', message: error.message };
  if (error instanceof KubeUnreachableError || (error instanceof KubeApiError && error.statusCode >= 500))
    return undefined;
  return { kind: 'unreachable', message: error.message };
}
