import * as vscode from 'vscode';
import { OUTPUT_CHANNEL } from './ids.js';

/** The "Kluctl" log channel, created on first use and never revealed unasked. */
export class Output implements vscode.Disposable {
  private channel: vscode.LogOutputChannel | undefined;

  get log(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
    return this.channel;
  }

  show(): void {
    this.log.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
  }
}
