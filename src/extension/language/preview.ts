import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../disposable.js';
import { PREVIEW_SCHEME } from '../ids.js';
import type { ProjectInsight } from './insight.js';
import { TYPE_DEBOUNCE_MS } from './insight.js';

/**
 * "Open Rendered Preview": a read-only document beside a template with what it renders to for the selected target,
 * re-rendered (in the engine worker) as the source is typed; when it does not render, the error is shown at the
 * top above the last good output, and it recovers with the next good render.
 */
export class RenderedPreview extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  /** By source file: the text shown, and the last good render. */
  private readonly shown = new Map<string, { text: string; lastGood?: string }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly insight: ProjectInsight) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.sourceChanged(e.document)));
    this.register(vscode.workspace.onDidSaveTextDocument((d) => this.sourceChanged(d)));
    this.register(insight.onDidChangeSelection(() => [...this.shown.keys()].forEach((f) => this.schedule(f, 0))));
    this.register({ dispose: () => [...this.timers.values()].forEach(clearTimeout) });
  }

  static uriFor(file: string): vscode.Uri {
    return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `${file}.rendered.yaml`, query: encodeURIComponent(file) });
  }

  async open(file: string): Promise<vscode.TextEditor> {
    const uri = RenderedPreview.uriFor(file);
    await this.render(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: false,
      preserveFocus: true,
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const file = decodeURIComponent(uri.query);
    return this.shown.get(file)?.text ?? `# rendering ${path.basename(file)}…\n`;
  }

  private isOpen(file: string): boolean {
    const uri = RenderedPreview.uriFor(file).toString();
    return vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri);
  }

  private sourceChanged(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !this.shown.has(doc.uri.fsPath)) return;
    if (!this.isOpen(doc.uri.fsPath)) {
      this.shown.delete(doc.uri.fsPath);
      return;
    }
    this.schedule(doc.uri.fsPath, TYPE_DEBOUNCE_MS);
  }

  private schedule(file: string, delay: number): void {
    clearTimeout(this.timers.get(file));
    this.timers.set(
      file,
      setTimeout(() => void this.render(file), delay),
    );
  }

  private async render(file: string): Promise<void> {
    this.running.get(file)?.abort();
    const controller = new AbortController();
    this.running.set(file, controller);
    const buffer = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    const previous = this.shown.get(file);
    let text: string;
    let lastGood = previous?.lastGood;
    try {
      const result = await this.insight.preview(file, buffer?.getText(), controller.signal);
      if (controller.signal.aborted) return;
      if (!result) text = '# This file is not part of a Kluctl project of a trusted workspace.\n';
      else if (result.rendered !== undefined && !result.diagnostics.some((d) => d.severity === 'error')) {
        lastGood = result.rendered;
        text = `${header(result.scope)}${result.rendered}\n`;
      } else {
        const errors = result.diagnostics.map(
          (d) => `# ERROR ${path.basename(d.file)}:${d.line}:${d.column}: ${d.message}`,
        );
        text = `${errors.join('\n')}\n${lastGood !== undefined ? `# (the last output that rendered:)\n${lastGood}\n` : ''}`;
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      text = `# ERROR: ${(error as Error).message}\n`;
    }
    this.shown.set(file, { text, lastGood });
    this.changed.fire(RenderedPreview.uriFor(file));
  }
}

const header = (scope?: string) =>
  `# Rendered by Kluctl for the selected target${scope ? ` (vars of ${scope})` : ''}\n`;
