import * as vscode from 'vscode';
import { PROTECTED_SETTINGS, userOnlyValue } from './settingsPolicy.js';

/** The extension's settings (`kluctl.*`), read fresh on every call so changes apply without a reload. */
export interface KluctlSettings {
  kubeconfig?: string;
  /** Contexts to show; empty means the kubeconfig's current context. */
  contexts: string[];
  controllerNamespace: string;
  resultsNamespace: string;
  /** A kluctl-controller running as a local process: its source-override port (0 = use a pod port-forward). */
  localSourceOverridePort: number;
  /** A kluctl-controller running as a local process: its log file (empty = read pod logs). */
  controllerLogFile?: string;
  requestTimeoutSeconds: number;
  requestStartTimeoutSeconds: number;
  autoRefresh: boolean;
  revealSecrets: boolean;
  /** Who renders Diff with Local Source. */
  diffSource: 'auto' | 'controller' | 'engine';
  /** Ask before deploy, prune and approve (modal dialogs). */
  confirmClusterChanges: boolean;
  /** Memory limit (MB) of the bundled engine's worker thread. */
  engineMaxMemoryMb: number;
  /** `kluctl.engine.sendEveryApply`: the engine's diffs send even the applies proven to change nothing. */
  engineSendEveryApply: boolean;
  /** `kluctl.engine.helmRenderCache`: the engine reuses pure Helm renders (src/engine/helm/render-cache.ts). */
  engineHelmRenderCache: boolean;
  /** Notify when a deployment of this workspace turns failed, drifted or awaits approval. */
  alertNotifications: boolean;
  /** `kluctl.alerts.watchWhileHidden`: a light watch of the workspace's deployments while the view is hidden. */
  alertsWhileHidden: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): KluctlSettings {
  const all = vscode.workspace.getConfiguration('kluctl', scope);
  const c = {
    get<T>(key: string): T | undefined {
      return (PROTECTED_SETTINGS as readonly string[]).includes(key)
        ? userOnlyValue(all.inspect<T>(key))
        : all.get<T>(key);
    },
  };
  const text = (key: string): string | undefined => {
    const value = c.get<string>(key)?.trim();
    return value ? value : undefined;
  };
  return {
    kubeconfig: text('kubeconfig'),
    contexts: (c.get<string[]>('contexts') ?? []).filter((x) => x.trim() !== ''),
    controllerNamespace: text('controllerNamespace') ?? 'kluctl-system',
    resultsNamespace: text('resultsNamespace') ?? 'kluctl-results',
    localSourceOverridePort: c.get<number>('localSourceOverridePort') ?? 0,
    controllerLogFile: text('controllerLogFile'),
    requestTimeoutSeconds: c.get<number>('requestTimeoutSeconds') ?? 30,
    requestStartTimeoutSeconds: c.get<number>('requestStartTimeoutSeconds') ?? 60,
    autoRefresh: c.get<boolean>('autoRefresh') ?? true,
    revealSecrets: c.get<boolean>('diff.revealSecrets') ?? false,
    diffSource: c.get<'auto' | 'controller' | 'engine'>('diff.source') ?? 'auto',
    confirmClusterChanges: c.get<boolean>('confirmClusterChanges') ?? true,
    engineMaxMemoryMb: Math.max(256, c.get<number>('engine.maxMemoryMb') ?? 1536),
    engineSendEveryApply: c.get<boolean>('engine.sendEveryApply') ?? false,
    engineHelmRenderCache: c.get<boolean>('engine.helmRenderCache') ?? true,
    alertNotifications: c.get<boolean>('alerts.notifications') ?? true,
    alertsWhileHidden: c.get<boolean>('alerts.watchWhileHidden') ?? true,
  };
}
