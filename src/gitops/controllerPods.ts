import type { KubeClient } from '../kube/client.js';
import { KubeApiError, KubeCredentialsError } from '../kube/errors.js';
import type { KubeObject } from '../kube/objects.js';
import { listAndWatch, type WatchState } from '../kube/watch.js';
import { Emitter } from '../util/emitter.js';
import { ObjectError } from '../util/errors.js';
import { CONTROLLER_CONTAINER, CONTROLLER_POD_SELECTOR } from './controllerLogs.js';
import type { StatusIcon } from './statusIcons.js';

/** The fields of a kluctl-controller Pod this module reads. */
export interface ControllerPodObject extends KubeObject {
  metadata: KubeObject['metadata'] & { deletionTimestamp?: string; creationTimestamp?: string };
  spec?: { nodeName?: string; containers?: Array<{ name: string; image?: string }> };
  status?: {
    phase?: string;
    podIP?: string;
    reason?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      name: string;
      image?: string;
      ready?: boolean;
      restartCount?: number;
      state?: Record<string, { reason?: string; startedAt?: string } | undefined>;
      lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
    }>;
  };
}

/** One controller Pod as the tree shows it. */
export interface ControllerPodSummary {
  name: string;
  phase: string;
  ready: boolean;
  terminating: boolean;
  /** Restarts of the controller container (`status.containerStatuses[].restartCount`). */
  restarts: number;
  /** Why the previous container ended (e.g. `Error`, `OOMKilled`), when it restarted. */
  lastTermination?: string;
  node?: string;
  podIP?: string;
  /** The controller image's tag (`v2.22.1`), when the image names one. */
  version?: string;
  created?: Date;
}

/** The controller container of a Pod: the one named `controller` (kluctl's manifests), else the first. */
function controllerContainer<T extends { name: string }>(items: readonly T[] | undefined): T | undefined {
  return items?.find((c) => c.name === CONTROLLER_CONTAINER) ?? items?.[0];
}

export function summarizePod(pod: ControllerPodObject): ControllerPodSummary {
  const status = controllerContainer(pod.status?.containerStatuses ?? []);
  const container = controllerContainer(pod.spec?.containers ?? []);
  const terminated = status?.lastState?.terminated;
  const created = pod.metadata.creationTimestamp ? new Date(pod.metadata.creationTimestamp) : undefined;
  return {
    name: pod.metadata.name,
    phase: pod.status?.phase ?? 'Unknown',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: pod.metadata.deletionTimestamp !== undefined,
    restarts: status?.restartCount ?? 0,
    lastTermination: terminated
      ? `${terminated.reason ?? 'terminated'}${terminated.exitCode !== undefined ? ` (exit code ${terminated.exitCode})` : ''}`
      : undefined,
    node: pod.spec?.nodeName || undefined,
    podIP: pod.status?.podIP || undefined,
    version: imageTag(container?.image ?? status?.image),
    created: created && !Number.isNaN(created.getTime()) ? created : undefined,
  };
}

/** The tag of an image reference (`ghcr.io/kluctl/kluctl:v2.22.1` → `v2.22.1`); none for a digest or no tag. */
export function imageTag(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const withoutDigest = image.split('@')[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon >= 0 && colon < lastSegment.length - 1 ? lastSegment.slice(colon + 1) : undefined;
}

/** What a context can show about its controller Pods, or why not. */
export type ControllerPodsState =
  | { kind: 'loading' }
  | { kind: 'ready' }
  | { kind: 'unreachable'; message: string; retryInMs?: number }
  | { kind: 'forbidden'; message: string }
  | { kind: 'failed'; message: string };

/** The controller row of a context, as plain data (the extension turns it into a tree item). */
export interface ControllerPresentation {
  label: string;
  description: string;
  /** Markdown-free lines for the tooltip. */
  details: string[];
  icon: StatusIcon;
  /** No Pod is Ready, a container restarted, or the Pods cannot be seen. */
  warning: boolean;
  /** One entry per Pod when there is more than one (they become child rows). */
  pods: Array<{ name: string; description: string; icon: StatusIcon; details: string[] }>;
}

const OK_ICON: StatusIcon = { codicon: 'vm-running', themeColor: 'testing.iconPassed' };
const WARNING_ICON: StatusIcon = { codicon: 'warning', themeColor: 'problemsWarningIcon.foreground' };

function podState(p: ControllerPodSummary): string {
  if (p.terminating) return 'Terminating';
  return p.phase === 'Running' ? (p.ready ? 'Running, Ready' : 'Running, not Ready') : p.phase;
}

function podDescription(p: ControllerPodSummary): string {
  return [
    podState(p),
    p.restarts > 0 ? `${p.restarts} restart${p.restarts === 1 ? '' : 's'}` : undefined,
    p.node ? `on ${p.node}` : 'not scheduled',
    p.version,
  ]
    .filter(Boolean)
    .join(' · ');
}

function podDetails(p: ControllerPodSummary): string[] {
  return [
    `Pod ${p.name}: ${podState(p)}`,
    `Restarts: ${p.restarts}${p.lastTermination ? ` (last: ${p.lastTermination})` : ''}`,
    `Node: ${p.node ?? '(not scheduled)'}${p.podIP ? `, IP ${p.podIP}` : ''}`,
    ...(p.version ? [`Version (image tag): ${p.version}`] : []),
    ...(p.created ? [`Created: ${p.created.toISOString()}`] : []),
  ];
}

function podNeedsAttention(p: ControllerPodSummary): boolean {
  return !p.ready || p.terminating || p.restarts > 0;
}

/**
 * The controller row of a context: its Pod(s) with phase, readiness, restarts, node and version; a warning when
 * no Pod is Ready or a container restarted; a clear message when there are none or they may not be listed.
 */
export function presentControllerPods(
  namespace: string,
  state: ControllerPodsState,
  pods: readonly ControllerPodSummary[],
): ControllerPresentation {
  const label = 'kluctl-controller';
  const base = { label, pods: [] };
  switch (state.kind) {
    case 'loading':
      return {
        ...base,
        description: `loading Pods of ${namespace}…`,
        details: [],
        icon: { codicon: 'loading~spin' },
        warning: false,
      };
    case 'forbidden':
      return {
        ...base,
        description: `not allowed to list Pods in ${namespace}`,
        details: [state.message, `Seeing the controller needs "list" and "watch" on pods in namespace ${namespace}.`],
        icon: { codicon: 'lock', themeColor: 'problemsWarningIcon.foreground' },
        warning: true,
      };
    case 'unreachable':
      return {
        ...base,
        description: `cannot list Pods of ${namespace}${state.retryInMs ? ` (retrying in ${Math.round(state.retryInMs / 1000)}s)` : ''}`,
        details: [state.message],
        icon: { codicon: 'debug-disconnect', themeColor: 'problemsWarningIcon.foreground' },
        warning: true,
      };
    case 'failed':
      return {
        ...base,
        description: `cannot list Pods of ${namespace}`,
        details: [state.message],
        icon: WARNING_ICON,
        warning: true,
      };
    case 'ready':
      break;
  }
  if (pods.length === 0) {
    return {
      ...base,
      description: `no Pods in ${namespace}`,
      details: [
        `No Pod with label ${CONTROLLER_POD_SELECTOR} in namespace ${namespace}.`,
        'Is the controller installed there (setting kluctl.controllerNamespace), or does it run as a local process?',
      ],
      icon: WARNING_ICON,
      warning: true,
    };
  }
  const sorted = [...pods].sort((a, b) => a.name.localeCompare(b.name));
  const anyReady = sorted.some((p) => p.ready && !p.terminating);
  const restarted = sorted.some((p) => p.restarts > 0);
  const warning = !anyReady || restarted;
  const icon = warning ? WARNING_ICON : OK_ICON;
  const details = [
    `Namespace ${namespace}, label ${CONTROLLER_POD_SELECTOR}`,
    ...(!anyReady ? ['No controller Pod is Ready: requests are not picked up.'] : []),
    ...(restarted ? ['A controller container restarted: Show Logs includes the previous container’s lines.'] : []),
    ...sorted.flatMap((p) => ['', ...podDetails(p)]),
  ];
  if (sorted.length === 1) {
    const p = sorted[0];
    return { label, description: `${p.name} · ${podDescription(p)}`, details, icon, warning, pods: [] };
  }
  const versions = [...new Set(sorted.map((p) => p.version).filter((v): v is string => !!v))];
  const readyCount = sorted.filter((p) => p.ready && !p.terminating).length;
  const restarts = sorted.reduce((n, p) => n + p.restarts, 0);
  return {
    label,
    description: [
      `${sorted.length} Pods`,
      `${readyCount} Ready`,
      restarts > 0 ? `${restarts} restart${restarts === 1 ? '' : 's'}` : undefined,
      versions.join(', ') || undefined,
    ]
      .filter(Boolean)
      .join(' · '),
    details,
    icon,
    warning,
    pods: sorted.map((p) => ({
      name: p.name,
      description: podDescription(p),
      icon: podNeedsAttention(p) ? WARNING_ICON : OK_ICON,
      details: podDetails(p),
    })),
  };
}

export interface ControllerPodsWatcherOptions {
  backoffMs?: { initial: number; max: number };
}

/**
 * The kluctl-controller Pods of one context (label `control-plane=kluctl-controller` in the controller
 * namespace), kept current by a watch. RBAC denial and an unreachable cluster are states, never exceptions.
 */
export class ControllerPodsWatcher {
  private readonly byName = new Map<string, ControllerPodObject>();
  private current: ControllerPodsState = { kind: 'loading' };
  private abort: AbortController | undefined;
  private readonly changed = new Emitter<void>();

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
    private readonly options: ControllerPodsWatcherOptions = {},
  ) {}

  get state(): ControllerPodsState {
    return this.current;
  }

  /** The Pods as last seen, by name. */
  get pods(): ControllerPodObject[] {
    return [...this.byName.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  get summaries(): ControllerPodSummary[] {
    return this.pods.map(summarizePod);
  }

  get isRunning(): boolean {
    return this.abort !== undefined;
  }

  onDidChange(listener: () => void): () => void {
    return this.changed.on(listener);
  }

  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    void listAndWatch<ControllerPodObject>(
      this.client,
      {
        path: `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods`,
        labelSelector: CONTROLLER_POD_SELECTOR,
        signal: abort.signal,
        backoffMs: this.options.backoffMs,
        description: `kluctl-controller Pods in namespace ${this.namespace}`,
      },
      {
        onList: (items) => {
          this.byName.clear();
          for (const pod of items) this.byName.set(pod.metadata.name, pod);
          this.setState({ kind: 'ready' });
        },
        onEvent: (type, pod) => {
          if (type === 'DELETED') this.byName.delete(pod.metadata.name);
          else this.byName.set(pod.metadata.name, pod);
          this.changed.fire();
        },
        onState: (state: WatchState) => {
          if (state.kind === 'failed') this.setState(failedState(state.error));
          else if (state.kind === 'retrying')
            this.setState({ kind: 'unreachable', message: state.error.message, retryInMs: state.retryInMs });
        },
      },
    ).finally(() => {
      if (this.abort === abort) this.abort = undefined;
    });
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
  }

  restart(): void {
    this.stop();
    this.byName.clear();
    this.setState({ kind: 'loading' });
    this.start();
  }

  private setState(state: ControllerPodsState): void {
    this.current = state;
    this.changed.fire();
  }
}

function failedState(error: Error): ControllerPodsState {
  if (error instanceof KubeApiError && error.isForbidden) return { kind: 'forbidden', message: error.message };
  if (error instanceof KubeCredentialsError) return { kind: 'failed', message: error.message };
  return { kind: 'failed', message: error.message };
}

/** kluctl controller run's leader-election id (`--leader-elect`, which kluctl's manifests pass). */
export const CONTROLLER_LEADER_LEASE = '5ab5d0f9.kluctl.io';

/**
 * The Pods that run requests: with leader election, the Pod whose name starts the Lease's holder identity
 * (`<hostname>_<uuid>`; a Pod's hostname is its name); else every Running Pod that is not terminating.
 */
export function servingPods(pods: readonly ControllerPodSummary[], leaseHolder?: string): string[] {
  const running = pods.filter((p) => p.phase === 'Running' && !p.terminating).map((p) => p.name);
  if (leaseHolder) {
    const leader = running.find((name) => leaseHolder === name || leaseHolder.startsWith(`${name}_`));
    if (leader) return [leader];
  }
  return running;
}

/** The request's controller Pod(s) are gone: the request will not finish. */
export class ControllerPodLostError extends ObjectError {
  constructor(
    object: string,
    detail: string,
    readonly lostPods: string[],
    readonly replacements: string[],
  ) {
    super(object, detail);
    this.name = 'ControllerPodLostError';
  }
}

/** How long a lost request waits for the replacing Pod to appear, to name it. */
const REPLACEMENT_GRACE_MS = 3000;

/** Which controller Pods disappeared and which serve now, once every serving Pod is gone. */
export interface LostControllerPods {
  lost: string[];
  replacements: string[];
}

/**
 * Watches the controller Pods while a request runs. `arm()` (once the controller has started the request)
 * remembers which Pods serve it; `lost` resolves when all of them are gone (deleted: their containers have
 * stopped), with the Pods serving instead. When the Pods cannot be listed (RBAC) or there are none (a controller
 * running as a local process), `lost` never resolves: the request's own timeout applies.
 */
export class ControllerPodsGuard {
  private readonly watcher: ControllerPodsWatcher;
  private serving: string[] = [];
  private resolveLost: ((lost: LostControllerPods) => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  readonly lost: Promise<LostControllerPods>;

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
  ) {
    this.watcher = new ControllerPodsWatcher(client, namespace);
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    this.watcher.start();
  }

  /** Remembers the Pods serving now; waits (bounded by `timeoutMs`) for the first list of the watch. */
  async arm(signal?: AbortSignal, timeoutMs = 10_000): Promise<string[]> {
    if (this.watcher.state.kind === 'loading') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        const off = this.watcher.onDidChange(() => this.watcher.state.kind !== 'loading' && done());
        signal?.addEventListener('abort', done, { once: true });
        function done(): void {
          clearTimeout(timer);
          off();
          signal?.removeEventListener('abort', done);
          resolve();
        }
      });
    }
    if (this.watcher.state.kind !== 'ready') return [];
    this.serving = servingPods(this.watcher.summaries, await this.leaseHolder(signal));
    if (this.serving.length > 0) {
      this.unsubscribe = this.watcher.onDidChange(() => this.check());
      this.check();
    }
    return [...this.serving];
  }

  private check(): void {
    if (this.watcher.state.kind !== 'ready' || this.serving.length === 0) return;
    const present = new Set(this.watcher.pods.map((p) => p.metadata.name));
    if (this.serving.some((name) => present.has(name))) return;
    // All gone. The message names the Pod that replaces them when it shows up within a moment.
    const resolve = (): void => {
      clearTimeout(this.graceTimer);
      this.unsubscribe?.();
      const replacements = this.watcher.summaries
        .filter((p) => !p.terminating && !this.serving.includes(p.name))
        .map((p) => p.name);
      this.resolveLost?.({ lost: [...this.serving], replacements });
    };
    if (this.watcher.pods.some((p) => !this.serving.includes(p.metadata.name))) resolve();
    else this.graceTimer ??= setTimeout(resolve, REPLACEMENT_GRACE_MS);
  }

  private async leaseHolder(signal?: AbortSignal): Promise<string | undefined> {
    try {
      const lease = await this.client.requestJson<{ spec?: { holderIdentity?: string } }>({
        path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases/${CONTROLLER_LEADER_LEASE}`,
        signal,
        description: `read the kluctl-controller leader Lease in namespace ${this.namespace}`,
      });
      return lease.spec?.holderIdentity || undefined;
    } catch (error) {
      // No leader election, or not allowed to read Leases: every running Pod counts.
      if (error instanceof KubeApiError) return undefined;
      throw error;
    }
  }

  dispose(): void {
    clearTimeout(this.graceTimer);
    this.unsubscribe?.();
    this.watcher.stop();
  }
}
