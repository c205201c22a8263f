/**
 * A light watch of a few named KluctlDeployments (the workspace's, for alerts while the Deployments view is hidden):
 * one list-and-watch per deployment, selected by name, instead of every deployment of the context. `reload()`
 * starts them again on the clients of a reloaded kubeconfig.
 */
import type { KubeClient } from '../kube/client.js';
import { listAndWatch } from '../kube/watch.js';
import { Emitter } from '../util/emitter.js';
import type { KluctlDeployment } from '../kluctl/types.js';
import { deploymentsPath } from './deploymentApi.js';

export interface WatchedDeployment {
  context: string;
  namespace: string;
  name: string;
}

/** At most this many deployments are watched (a workspace deploys a few; the rest are ignored). */
export const DEPLOYMENT_SET_MAX = 50;

function keyOf(d: WatchedDeployment): string {
  return `${d.context}/${d.namespace}/${d.name}`;
}

export class DeploymentSetWatch {
  private readonly targets = new Map<string, WatchedDeployment>();
  private readonly objects = new Map<string, KluctlDeployment>();
  private abort: AbortController | undefined;
  private readonly changed = new Emitter<void>();
  private running = 0;

  constructor(
    private readonly clientOf: (context: string) => KubeClient,
    private readonly options: { backoffMs?: { initial: number; max: number } } = {},
  ) {}

  onDidChange(listener: () => void): () => void {
    return this.changed.on(listener);
  }

  get isRunning(): boolean {
    return this.abort !== undefined;
  }

  /** Watch loops still running (they end shortly after stop()). */
  get runningWatches(): number {
    return this.running;
  }

  /** Watches exactly `deployments` (the first DEPLOYMENT_SET_MAX), restarting only if the set changed. */
  start(deployments: readonly WatchedDeployment[]): void {
    const wanted = new Map(deployments.slice(0, DEPLOYMENT_SET_MAX).map((d) => [keyOf(d), d]));
    const same =
      this.abort && wanted.size === this.targets.size && [...wanted.keys()].every((k) => this.targets.has(k));
    if (same) return;
    this.stop();
    this.targets.clear();
    for (const [k, d] of wanted) this.targets.set(k, d);
    for (const k of [...this.objects.keys()]) if (!wanted.has(k)) this.objects.delete(k);
    this.run();
  }

  /** Ends every watch; the last known objects stay readable. */
  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
  }

  /** The kubeconfig changed: the same deployments, watched again with the clients `clientOf` gives now. */
  reload(): void {
    if (!this.abort) return;
    this.stop();
    this.run();
  }

  /** The last known state of each watched deployment that exists. */
  deployments(): Array<WatchedDeployment & { kd: KluctlDeployment }> {
    return [...this.targets].flatMap(([k, d]) => {
      const kd = this.objects.get(k);
      return kd ? [{ ...d, kd }] : [];
    });
  }

  private run(): void {
    const abort = new AbortController();
    this.abort = abort;
    for (const [key, d] of this.targets) {
      let client: KubeClient;
      try {
        client = this.clientOf(d.context);
      } catch {
        continue; // the context is gone from the kubeconfig
      }
      this.running++;
      const done = (): void => void this.running--;
      listAndWatch<KluctlDeployment>(
        client,
        {
          path: deploymentsPath(d.namespace),
          fieldSelector: `metadata.name=${d.name}`,
          signal: abort.signal,
          backoffMs: this.options.backoffMs,
          description: `KluctlDeployment ${d.namespace}/${d.name} (alerts)`,
        },
        {
          onList: (items) => {
            if (abort.signal.aborted) return;
            const kd = items.find((i) => i.metadata.name === d.name);
            if (kd) this.objects.set(key, kd);
            else this.objects.delete(key);
            this.changed.fire();
          },
          onEvent: (type, kd) => {
            if (abort.signal.aborted || kd.metadata.name !== d.name) return;
            if (type === 'DELETED') this.objects.delete(key);
            else this.objects.set(key, kd);
            this.changed.fire();
          },
        },
      ).then(done, done);
    }
  }

  dispose(): void {
    this.stop();
    this.changed.clear();
  }
}
