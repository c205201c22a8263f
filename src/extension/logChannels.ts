import * as vscode from 'vscode';
import {
  collectReconciles,
  formatLogRecord,
  groupHeader,
  streamFileLogs,
  streamPodLogs,
  type LogFilter,
  type LogRecord,
  type ReconcileEntry,
} from '../gitops/controllerLogs.js';
import type { DeploymentRef } from '../gitops/deploymentApi.js';
import { REQUEST_KINDS, REQUEST_RESULT_FIELDS, type KluctlDeployment } from '../kluctl/types.js';
import type { KubeClient } from '../kube/client.js';
import { readSettings } from './config.js';
import { Disposable } from './disposable.js';
import { Commands } from './ids.js';

/**
 * One log channel per KluctlDeployment ("Kluctl: ns/name") fed from the controller's logs: pod logs, or the log
 * file of a controller running as a local process (setting `kluctl.controllerLogFile`).
 */
export class LogChannels extends Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  private readonly recent = new Map<string, string[]>();
  /** Followed channels (by name) and how to stop them. */
  private readonly following = new Map<string, AbortController>();
  private readonly statusBar = this.register(vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50));

  constructor() {
    super();
    this.statusBar.command = Commands.stopFollowingLogs;
    this.register({ dispose: () => this.following.forEach((stop) => stop.abort()) });
  }

  /** The last lines written to a deployment's channel (channels cannot be read back through the API). */
  lines(ref: DeploymentRef): string[] {
    return this.recent.get(channelName(ref)) ?? [];
  }

  channel(ref: DeploymentRef): vscode.LogOutputChannel {
    return this.channelByName(channelName(ref));
  }

  /** The channel of all the controller's lines in a context. */
  controllerChannel(context: string): vscode.LogOutputChannel {
    return this.channelByName(controllerChannelName(context));
  }

  /** The last lines written to the controller channel of a context. */
  controllerLines(context: string): string[] {
    return this.recent.get(controllerChannelName(context)) ?? [];
  }

  /**
   * Streams matching controller log lines into the deployment's channel until the signal aborts (follow) or the
   * logs end. Returns the number of lines written.
   */
  async stream(
    client: KubeClient,
    ref: DeploymentRef,
    options: { reconcileId?: string; follow: boolean; signal?: AbortSignal },
  ): Promise<number> {
    const filter: LogFilter = { namespace: ref.namespace, name: ref.name, reconcileId: options.reconcileId };
    return this.pump(client, channelName(ref), filter, {
      ...options,
      sinceSeconds: options.reconcileId ? 600 : 3600,
    });
  }

  /** Every line of the controller (all deployments and its general lines) into the channel of the context. */
  async streamAll(
    client: KubeClient,
    context: string,
    options: { follow: boolean; signal?: AbortSignal },
  ): Promise<number> {
    return this.pump(client, controllerChannelName(context), {}, { ...options, sinceSeconds: 3600 });
  }

  /**
   * Follows a deployment's (or, without `ref`, the whole controller's) logs until `stopFollowing`, replacing a
   * previous follow of the same channel. The status bar shows what is followed; clicking it stops.
   */
  follow(client: KubeClient, context: string, ref: DeploymentRef | undefined): void {
    const name = ref ? channelName(ref) : controllerChannelName(context);
    this.following.get(name)?.abort();
    const stop = new AbortController();
    this.following.set(name, stop);
    this.updateStatusBar();
    const run = ref
      ? this.stream(client, ref, { follow: true, signal: stop.signal })
      : this.streamAll(client, context, { follow: true, signal: stop.signal });
    void run
      .catch((error: Error) => this.channelByName(name).error(error.message))
      .finally(() => {
        if (this.following.get(name) === stop) this.following.delete(name);
        this.updateStatusBar();
      });
  }

  isFollowing(ref: DeploymentRef | undefined, context = ''): boolean {
    return this.following.has(ref ? channelName(ref) : controllerChannelName(context));
  }

  /** Stops following one channel, or every channel. Returns how many were stopped. */
  stopFollowing(ref?: DeploymentRef, context?: string): number {
    const names =
      ref || context !== undefined
        ? [ref ? channelName(ref) : controllerChannelName(context ?? '')]
        : [...this.following.keys()];
    let stopped = 0;
    for (const name of names) {
      const stop = this.following.get(name);
      if (!stop) continue;
      stop.abort();
      this.following.delete(name);
      this.channelByName(name).info('── Stopped following');
      stopped++;
    }
    this.updateStatusBar();
    return stopped;
  }

  /** The reconciliations of a deployment in the status and the last hour of its logs, newest first. */
  async reconciles(client: KubeClient, kd: KluctlDeployment, signal?: AbortSignal): Promise<ReconcileEntry[]> {
    const records: LogRecord[] = [];
    const filter: LogFilter = { namespace: kd.metadata.namespace, name: kd.metadata.name };
    const settings = readSettings();
    const onRecord = (r: LogRecord): void => {
      // Bounded: only what the list needs.
      if (records.length < 20_000) records.push(r);
    };
    if (settings.controllerLogFile)
      await streamFileLogs(settings.controllerLogFile, { filter, follow: false, signal, onRecord });
    else
      await streamPodLogs(client, {
        controllerNamespace: settings.controllerNamespace,
        sinceSeconds: 3600,
        filter,
        follow: false,
        signal,
        onRecord,
      });
    const fromStatus = REQUEST_KINDS.map((kind) => ({ kind, ...kd.status?.[REQUEST_RESULT_FIELDS[kind]] }));
    return collectReconciles(records, fromStatus);
  }

  /** Shows only one reconciliation's lines: the channel is cleared first. */
  async showReconcile(
    client: KubeClient,
    ref: DeploymentRef,
    reconcileId: string,
    signal?: AbortSignal,
  ): Promise<number> {
    this.stopFollowing(ref);
    const channel = this.channel(ref);
    channel.clear();
    channel.info(`── Logs of reconciliation ${reconcileId} only`);
    return this.pump(
      client,
      channelName(ref),
      { namespace: ref.namespace, name: ref.name, reconcileId },
      { follow: false, signal, sinceSeconds: 24 * 3600 },
    );
  }

  private channelByName(name: string): vscode.LogOutputChannel {
    let channel = this.channels.get(name);
    if (!channel) {
      channel = this.register(vscode.window.createOutputChannel(name, { log: true }));
      this.channels.set(name, channel);
    }
    return channel;
  }

  private updateStatusBar(): void {
    const count = this.following.size;
    if (count === 0) {
      this.statusBar.hide();
      return;
    }
    const names = [...this.following.keys()].map((n) => n.replace(/^Kluctl: /, ''));
    this.statusBar.text = `$(debug-pause) Following ${count === 1 ? names[0] : `${count} Kluctl logs`}`;
    this.statusBar.tooltip = `Following the kluctl-controller logs of ${names.join(', ')}. Click to stop.`;
    this.statusBar.show();
  }

  private async pump(
    client: KubeClient,
    name: string,
    filter: LogFilter,
    options: { follow: boolean; signal?: AbortSignal; sinceSeconds: number },
  ): Promise<number> {
    const channel = this.channelByName(name);
    let group: string | undefined;
    let count = 0;
    const onRecord = (record: LogRecord): void => {
      const header = groupHeader(record);
      if (header !== group) {
        group = header;
        channel.info(`── ${header}`);
        this.remember(name, `── ${header}`);
      }
      // The channel stamps the time of writing; the controller's own time goes first in the text.
      const time = record.time ? `[${record.time.toISOString().slice(11, 23)}] ` : '';
      const text = time + formatLogRecord(record).replace(/^\S+ \S+\s+/, '');
      this.remember(name, text);
      if (record.level === 'error') channel.error(text);
      else if (record.level === 'debug') channel.debug(text);
      else channel.info(text);
      count++;
    };
    const settings = readSettings();
    if (settings.controllerLogFile) {
      await streamFileLogs(settings.controllerLogFile, {
        filter,
        follow: options.follow,
        signal: options.signal,
        onRecord,
      });
    } else {
      await streamPodLogs(client, {
        controllerNamespace: settings.controllerNamespace,
        sinceSeconds: options.sinceSeconds,
        filter,
        follow: options.follow,
        signal: options.signal,
        onRecord,
        onNote: (note) => {
          channel.warn(`── ${note}`);
          this.remember(name, `── ${note}`);
        },
      });
    }
    return count;
  }

  private remember(name: string, line: string): void {
    const lines = this.recent.get(name) ?? [];
    lines.push(line);
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
    this.recent.set(name, lines);
  }
}

function channelName(ref: DeploymentRef): string {
  return `Kluctl: ${ref.namespace}/${ref.name}`;
}

function controllerChannelName(context: string): string {
  return `Kluctl: controller (${context})`;
}
