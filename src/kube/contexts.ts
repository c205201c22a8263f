import * as fs from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { clientForContext, kubeconfigPaths, loadKubeConfig } from './kubeconfig.js';

export interface ContextsSnapshot {
  contexts: string[];
  current?: string;
  /** Why no contexts are available (no kubeconfig, unreadable file). */
  problem?: string;
}

export interface KubeContextsOptions {
  /** An explicit kubeconfig path (a setting); otherwise KUBECONFIG or ~/.kube/config. */
  kubeconfigPath?: () => string | undefined;
  timeoutMs?: () => number | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * The kubeconfig's contexts and one client per context, created on first use and dropped when the kubeconfig
 * changes. Nothing here writes the kubeconfig or switches its current context.
 */
export class KubeContexts {
  private config: KubeConfig | undefined;
  private problem: string | undefined;
  private readonly clients = new Map<string, KubeClient>();

  constructor(private readonly options: KubeContextsOptions = {}) {}

  /** The files whose change should call `invalidate()`. */
  files(): string[] {
    return kubeconfigPaths(this.options.kubeconfigPath?.(), this.options.env ?? process.env);
  }

  snapshot(): ContextsSnapshot {
    this.ensureLoaded();
    if (!this.config) return { contexts: [], problem: this.problem ?? this.missingProblem() };
    return {
      contexts: this.config.getContexts().map((c) => c.name),
      current: this.config.getCurrentContext() || undefined,
    };
  }

  /** The client of a context (the current one when omitted); throws if the kubeconfig or context is missing. */
  client(context?: string): KubeClient {
    this.ensureLoaded();
    if (!this.config) throw new Error(this.problem ?? this.missingProblem());
    const name = context || this.config.getCurrentContext();
    let client = this.clients.get(name);
    if (!client) {
      client = clientForContext(this.config, name, this.options.timeoutMs?.());
      this.clients.set(name, client);
    }
    return client;
  }

  private missingProblem(): string {
    return `no kubeconfig found (looked for ${this.files().join(', ')})`;
  }

  invalidate(): void {
    this.config = undefined;
    this.problem = undefined;
    this.clients.clear();
  }

  private ensureLoaded(): void {
    if (this.config || this.problem) return;
    const explicit = this.options.kubeconfigPath?.();
    const files = this.files();
    if (!explicit && !files.some((f) => fs.existsSync(f))) {
      // Not cached: the file (or the setting naming it) may appear any moment.
      return;
    }
    try {
      this.config = loadKubeConfig(explicit, this.options.env ?? process.env);
    } catch (error) {
      this.problem = (error as Error).message;
    }
  }
}
