import * as vscode from 'vscode';
import { DeploymentWatcher, type ContextState } from '../gitops/deploymentWatcher.js';
import {
  ControllerPodsWatcher,
  type ControllerPodsState,
  type ControllerPodSummary,
} from '../gitops/controllerPods.js';
import type { KluctlDeployment } from '../kluctl/types.js';
import { KubeContexts, type ContextsSnapshot } from '../kube/contexts.js';
import { type KubeClient } from '../kube/client.js';
import { watchKubeconfigFiles } from '../kube/kubeconfigWatch.js';
import { readSettings } from './config.js';
import { Disposable, toDisposable } from './disposable.js';

export interface ContextView {
  name: string;
  isCurrent: boolean;
  state: ContextState;
  deployments: KluctlDeployment[];
  /** The kluctl-controller Pods of the context (setting `kluctl.controllerNamespace`). */
  controller: { namespace: string; state: ControllerPodsState; pods: ControllerPodSummary[] };
}

/**
 * How every Kubernetes client of the editor connects: the `kluctl.kubeconfig` setting and the request timeout. The
 * `Clusters` below use them, and the engine's commands carry them into its worker thread, where the engine opens
 * its clients with them (a client cannot cross the thread boundary).
 */
export function connectionSettings(): { kubeconfig: string | undefined; requestTimeoutMs: number } {
  const settings = readSettings();
  return { kubeconfig: settings.kubeconfig, requestTimeoutMs: settings.requestTimeoutSeconds * 1000 };
}

/**
 * The contexts the user chose and their KluctlDeployments. Nothing contacts a cluster until `watch()` is called
 * (the view became visible, or a command needs deployments); `pause()` ends all watches (the view was hidden).
 */
export class Clusters extends Disposable {
  private readonly contexts = new KubeContexts({
    kubeconfigPath: () => connectionSettings().kubeconfig,
    timeoutMs: () => connectionSettings().requestTimeoutMs,
  });
  private readonly watchers = new Map<string, DeploymentWatcher>();
  /** The controller Pods of each context, watched exactly when its deployments are. */
  private readonly controllerWatchers = new Map<string, ControllerPodsWatcher>();
  private readonly unsubscribers = new Map<string, () => void>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  private readonly reloaded = this.register(new vscode.EventEmitter<void>());
  private readonly watchingChanged = this.register(new vscode.EventEmitter<boolean>());
  private unwatchFiles: (() => void) | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private watching = false;
  private engagedOnce = false;
  /** `kluctl.autoRefresh` as of the last watch(). */
  private live = true;

  /** Fires (debounced) when contexts, states or deployments change. */
  readonly onDidChange = this.changed.event;
  /**
   * Fires after the kubeconfig (or a setting naming it) changed and every client was dropped: whoever holds a
   * client or a watch on one starts again with `client()`.
   */
  readonly onDidReload = this.reloaded.event;
  /** Fires when the watches start (true: the view became visible, or a command needed them) or pause (false). */
  readonly onDidChangeWatching = this.watchingChanged.event;

  constructor() {
    super();
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration('kluctl.kubeconfig') ||
          e.affectsConfiguration('kluctl.contexts') ||
          e.affectsConfiguration('kluctl.requestTimeoutSeconds') ||
          e.affectsConfiguration('kluctl.controllerNamespace') ||
          e.affectsConfiguration('kluctl.autoRefresh')
        ) {
          this.reload();
        }
      }),
    );
    this.register(toDisposable(() => this.stopAll()));
  }

  snapshot(): ContextsSnapshot {
    return this.contexts.snapshot();
  }

  /** The contexts to show: the setting, else the current context. */
  selectedContexts(): string[] {
    const snapshot = this.contexts.snapshot();
    const chosen = readSettings().contexts;
    if (chosen.length > 0) return chosen.filter((c) => snapshot.contexts.includes(c));
    return snapshot.current ? [snapshot.current] : [];
  }

  client(context: string): KubeClient {
    return this.contexts.client(context);
  }

  /**
   * Starts watching the selected contexts (idempotent; paused watches start again). With `kluctl.autoRefresh` off,
   * each context is loaded once and its watch then ended: the view shows that snapshot until Refresh.
   */
  watch(): void {
    const was = this.watching;
    this.watching = true;
    this.engagedOnce = true;
    this.live = readSettings().autoRefresh;
    const selected = new Set(this.selectedContexts());
    for (const name of [...this.watchers.keys()]) if (!selected.has(name)) this.stopOne(name);
    for (const name of selected) {
      const existing = this.watchers.get(name);
      if (existing) {
        existing.start();
        this.controllerWatchers.get(name)?.start();
        continue;
      }
      let watcher: DeploymentWatcher;
      let controller: ControllerPodsWatcher;
      try {
        const client = this.contexts.client(name);
        watcher = new DeploymentWatcher(client, { fallbackNamespaces: [client.defaultNamespace] });
        controller = new ControllerPodsWatcher(client, readSettings().controllerNamespace);
      } catch {
        continue;
      }
      this.watchers.set(name, watcher);
      this.controllerWatchers.set(name, controller);
      const offDeployments = watcher.onDidChange(() => {
        if (!this.live && watcher.state.kind !== 'loading') watcher.stop();
        this.fireSoon();
      });
      const offController = controller.onDidChange(() => {
        if (!this.live && controller.state.kind !== 'loading') controller.stop();
        this.fireSoon();
      });
      this.unsubscribers.set(name, () => {
        offDeployments();
        offController();
      });
      watcher.start();
      controller.start();
    }
    this.watchKubeconfigFiles();
    this.fireSoon();
    if (!was) this.watchingChanged.fire(true);
  }

  /** Ends all watches; the last known deployments stay visible. The kubeconfig files stay watched. */
  pause(): void {
    const was = this.watching;
    this.watching = false;
    for (const watcher of this.watchers.values()) watcher.stop();
    for (const watcher of this.controllerWatchers.values()) watcher.stop();
    if (was) this.watchingChanged.fire(false);
  }

  get isWatching(): boolean {
    return this.watching;
  }

  /**
   * Whether the user opened the Deployments view or ran a command that needed the clusters in this window: before
   * that, nothing contacts a cluster (the alerts' watch of the workspace's deployments waits for it too).
   */
  get engaged(): boolean {
    return this.engagedOnce;
  }

  /** Starts a context's watch again, e.g. from a Retry button. */
  retry(context: string): void {
    this.watchers.get(context)?.restart();
    this.controllerWatchers.get(context)?.restart();
  }

  views(): ContextView[] {
    const current = this.contexts.snapshot().current;
    return this.selectedContexts().map((name) => {
      const watcher = this.watchers.get(name);
      const controller = this.controllerWatchers.get(name);
      return {
        name,
        isCurrent: name === current,
        state: watcher?.state ?? { kind: 'loading' },
        deployments: watcher?.deployments ?? [],
        controller: {
          namespace: controller?.namespace ?? readSettings().controllerNamespace,
          state: controller?.state ?? { kind: 'loading' },
          pods: controller?.summaries ?? [],
        },
      };
    });
  }

  /** Resolves once every selected context has left the loading state (or after the timeout). */
  async whenLoaded(timeoutMs: number, token?: vscode.CancellationToken): Promise<void> {
    this.watch();
    const deadline = Date.now() + timeoutMs;
    while (
      Date.now() < deadline &&
      !token?.isCancellationRequested &&
      this.views().some((v) => v.state.kind === 'loading')
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The kubeconfig (or the settings naming it) changed: new clients, new watches. */
  reload(): void {
    this.stopAll();
    this.contexts.invalidate();
    if (this.watching) this.watch();
    else {
      if (this.engagedOnce) this.watchKubeconfigFiles();
      this.fireSoon();
    }
    this.reloaded.fire();
  }

  private stopOne(name: string): void {
    this.watchers.get(name)?.stop();
    this.watchers.delete(name);
    this.controllerWatchers.get(name)?.stop();
    this.controllerWatchers.delete(name);
    this.unsubscribers.get(name)?.();
    this.unsubscribers.delete(name);
  }

  private stopAll(): void {
    for (const name of [...this.watchers.keys()]) this.stopOne(name);
    this.unwatchFiles?.();
    this.unwatchFiles = undefined;
    clearTimeout(this.debounce);
  }

  /** A change of a kubeconfig file (written, replaced, created, deleted) reloads every client and watch. */
  private watchKubeconfigFiles(): void {
    if (this.unwatchFiles || this.isDisposed) return;
    this.unwatchFiles = watchKubeconfigFiles(this.contexts.files(), () => this.reload());
  }

  private fireSoon(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.changed.fire(), 100);
  }
}
