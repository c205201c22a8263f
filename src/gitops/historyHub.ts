/**
 * The histories of every context the editor shows, and the live subscriptions to them (one per expanded timeline).
 * A kubeconfig reload (`reload`) ends every watch of the old clients and starts the live ones again on the new
 * clients: no stale client keeps watching, none is leaked.
 */
import type { KubeClient } from '../kube/client.js';
import { Emitter } from '../util/emitter.js';
import type { DeploymentRef } from './deploymentApi.js';
import { ContextHistory, type ContextHistoryOptions } from './history.js';

interface LiveSubscription {
  context: string;
  ref: DeploymentRef | undefined;
  unsubscribe: () => void;
}

export class HistoryHub {
  private readonly histories = new Map<string, { history: ContextHistory; off: () => void }>();
  private readonly live = new Map<string, LiveSubscription>();
  private readonly changed = new Emitter<void>();

  constructor(
    private readonly clientOf: (context: string) => KubeClient,
    private readonly options: () => ContextHistoryOptions = () => ({}),
  ) {}

  /** Fires when any history has new entries. */
  onDidChange(listener: () => void): () => void {
    return this.changed.on(listener);
  }

  /** The history of a context, on the context's current client (created on first use; watches only while subscribed). */
  history(context: string): ContextHistory {
    let h = this.histories.get(context);
    if (!h) {
      const history = new ContextHistory(this.clientOf(context), this.options());
      h = { history, off: history.onDidChange(() => this.changed.fire()) };
      this.histories.set(context, h);
    }
    return h.history;
  }

  /** Keeps `ref`'s Events and the context's results watched under `key` until `unsubscribe(key)`. */
  subscribe(key: string, context: string, ref?: DeploymentRef): void {
    if (this.live.has(key)) return;
    this.live.set(key, { context, ref, unsubscribe: this.history(context).subscribe(ref) });
  }

  unsubscribe(key: string): void {
    this.live.get(key)?.unsubscribe();
    this.live.delete(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  /** The keys of the live subscriptions. */
  keys(): string[] {
    return [...this.live.keys()];
  }

  /** Ends every subscription and watch (the view was hidden). */
  stopAll(): void {
    for (const s of this.live.values()) s.unsubscribe();
    this.live.clear();
    for (const { history } of this.histories.values()) history.stop();
  }

  /** Drops the histories of contexts no longer shown, with their subscriptions. */
  retain(contexts: ReadonlySet<string>): void {
    for (const [key, s] of [...this.live]) if (!contexts.has(s.context)) this.unsubscribe(key);
    for (const [context, h] of [...this.histories]) {
      if (contexts.has(context)) continue;
      h.history.stop();
      h.off();
      this.histories.delete(context);
    }
  }

  /**
   * The kubeconfig changed: every history of the old clients is stopped and dropped, and each live subscription
   * starts again on the client `clientOf` gives now (a context that is gone or fails to load is dropped).
   */
  reload(): void {
    const live = [...this.live];
    for (const [, s] of live) s.unsubscribe();
    this.live.clear();
    for (const { history, off } of this.histories.values()) {
      history.stop();
      off();
    }
    this.histories.clear();
    for (const [key, s] of live) {
      try {
        this.subscribe(key, s.context, s.ref);
      } catch {
        // The context left the kubeconfig, or it no longer loads: its timeline shows nothing until it is back.
      }
    }
    this.changed.fire();
  }

  /** How many watches are running, over all histories (for tests). */
  get runningWatches(): number {
    let n = 0;
    for (const { history } of this.histories.values()) n += history.runningWatches;
    return n;
  }

  dispose(): void {
    this.stopAll();
    for (const { off } of this.histories.values()) off();
    this.histories.clear();
    this.changed.clear();
  }
}
