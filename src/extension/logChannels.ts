import * as vscode from 'vscode';
import {
  formatLogRecord,
  groupHeader,
  streamFileLogs,
  streamPodLogs,
  type LogFilter,
  type LogRecord,
} from '../gitops/controllerLogs.js';
import type { DeploymentRef } from '../gitops/deploymentApi.js';
import type { KubeClient } from '../kube/index.js';
import { readSettings } from './config.js';
import { Disposable } from './disposable.js';

/**
 * One log channel per KluctlDeployment ("Kluctl: ns/name") fed from the controller's logs: pod logs, or the log
 * file of a controller running as a local process (setting `kluctl.controllerLogFile`).
 */
export class LogChannels extends Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  private readonly recent = new Map<string, string[]>();

  /** The last lines written to a deployment's channel (channels cannot be read back through the API). */
  lines(ref: DeploymentRef): string[] {
    return this.recent.get(channelName(ref)) ?? [];
  }

  channel(ref: DeploymentRef): vscode.LogOutputChannel {
    const name = channelName(ref);
    let channel = this.channels.get(name);
    if (!channel) {
      channel = this.register(vscode.window.createOutputChannel(name, { log: true }));
      this.channels.set(name, channel);
    }
    return channel;
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
    const channel = this.channel(ref);
    const filter: LogFilter = { namespace: ref.namespace, name: ref.name, reconcileId: options.reconcileId };
    let group: string | undefined;
    let count = 0;
    const onRecord = (record: LogRecord): void => {
      const header = groupHeader(record);
      if (header !== group) {
        group = header;
        channel.info(`── ${header}`);
        this.remember(ref, `── ${header}`);
      }
      // The channel stamps the time of writing; the controller's own time goes first in the text.
      const time = record.time ? `[${record.time.toISOString().slice(11, 23)}] ` : '';
      const text = time + formatLogRecord(record).replace(/^\S+ \S+\s+/, '');
      this.remember(ref, text);
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
        sinceSeconds: options.reconcileId ? 600 : 3600,
        filter,
        follow: options.follow,
        signal: options.signal,
        onRecord,
      });
    }
    return count;
  }

  private remember(ref: DeploymentRef, line: string): void {
    const lines = this.recent.get(channelName(ref)) ?? [];
    lines.push(line);
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
    this.recent.set(channelName(ref), lines);
  }
}

function channelName(ref: DeploymentRef): string {
  return `Kluctl: ${ref.namespace}/${ref.name}`;
}
