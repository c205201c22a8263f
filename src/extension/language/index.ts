import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineRunner } from '../../engine/worker/request.js';
import { Disposable } from '../disposable.js';
import { Commands } from '../ids.js';
import { ProjectInsight } from './insight.js';
import { RenderedPreview } from './preview.js';
import {
  KLUCTL_SELECTOR,
  KluctlCompletionProvider,
  KluctlDefinitionProvider,
  KluctlHoverProvider,
  KluctlReferenceProvider,
} from './providers.js';
import { TemplatedYamlMode } from './templatedYaml.js';
import { VariablesView } from './variablesView.js';

/**
 * The editor's language features for Kluctl projects (issue #18): diagnostics as you work, hover, completion,
 * Go to Definition, the Variables view, the rendered preview, and the status bar item that picks the target.
 */
export class LanguageFeatures extends Disposable {
  readonly insight: ProjectInsight;
  readonly variables: VariablesView;
  readonly preview: RenderedPreview;
  readonly templatedYaml: TemplatedYamlMode;
  private readonly status: vscode.StatusBarItem;

  constructor(engine: EngineRunner, state: vscode.Memento) {
    super();
    this.insight = this.register(new ProjectInsight(engine, state));
    this.variables = this.register(new VariablesView(this.insight));
    this.preview = this.register(new RenderedPreview(this.insight));
    this.templatedYaml = this.register(new TemplatedYamlMode(this.insight));
    this.register(vscode.languages.registerHoverProvider(KLUCTL_SELECTOR, new KluctlHoverProvider(this.insight)));
    this.register(
      vscode.languages.registerCompletionItemProvider(
        KLUCTL_SELECTOR,
        new KluctlCompletionProvider(this.insight),
        '.',
        '|',
        ' ',
        '/',
      ),
    );
    this.register(
      vscode.languages.registerDefinitionProvider(KLUCTL_SELECTOR, new KluctlDefinitionProvider(this.insight)),
    );
    this.register(
      vscode.languages.registerReferenceProvider(KLUCTL_SELECTOR, new KluctlReferenceProvider(this.insight)),
    );
    this.status = this.register(vscode.window.createStatusBarItem('kluctl.target', vscode.StatusBarAlignment.Left, 50));
    this.status.name = 'Kluctl Target';
    this.status.command = Commands.selectTarget;
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()));
    this.register(this.insight.onDidChangeSelection(() => this.updateStatus()));
    this.register(this.insight.onDidAnalyze(() => this.updateStatus()));
    this.updateStatus();
    // The project of the file open at start is analysed right away: its problems show without a save.
    const dir = this.activeProjectDir();
    if (dir) void this.insight.analyze(dir);
    this.register(
      vscode.window.onDidChangeActiveTextEditor(() => {
        const d = this.activeProjectDir();
        if (d && !this.insight.analysis(d)) void this.insight.analyze(d);
      }),
    );
  }

  activeProjectDir(): string | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri?.scheme === 'file' ? this.insight.projectDirFor(uri.fsPath) : undefined;
  }

  private updateStatus(): void {
    const dir = this.activeProjectDir();
    if (!dir) return this.status.hide();
    const sel = this.insight.selection(dir);
    const target = sel.target ?? this.insight.analysis(dir)?.target ?? '';
    this.status.text = `$(target) ${target || 'no target'}${sel.args.length ? ` (${sel.args.join(' ')})` : ''}`;
    this.status.tooltip = `Kluctl: the target (and args) ${path.basename(dir)} is rendered with for diagnostics, hover and previews. Click to change.`;
    this.status.show();
  }

  /** Quick pick of the project's targets, then its args (`name=value`, space separated). */
  async selectTarget(projectDir?: string): Promise<void> {
    const dir = projectDir ?? this.activeProjectDir();
    if (!dir) {
      void vscode.window.showInformationMessage('Open a file of a Kluctl project to pick its target.');
      return;
    }
    const analysis = await this.insight.ensure(dir);
    const current = this.insight.selection(dir);
    const targets = analysis?.targets ?? [];
    const picked = targets.length
      ? await vscode.window.showQuickPick(
          targets.map((t) => ({
            label: t.name,
            description: t.name === (current.target ?? analysis?.target) ? 'selected' : undefined,
            detail: t.args
              ? Object.entries(t.args)
                  .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                  .join(' ')
              : undefined,
          })),
          { placeHolder: 'Target to render with' },
        )
      : { label: '' };
    if (!picked) return;
    const args = await vscode.window.showInputBox({
      prompt: 'Args (-a), space separated name=value; empty for none',
      value: current.args.join(' '),
      validateInput: (v) =>
        v
          .split(/\s+/)
          .filter(Boolean)
          .every((a) => /^[a-zA-Z0-9_./-]+=/.test(a))
          ? undefined
          : 'name=value, space separated',
    });
    if (args === undefined) return;
    await this.insight.select(dir, { target: picked.label || undefined, args: args.split(/\s+/).filter(Boolean) });
  }

  async openPreview(file?: vscode.Uri): Promise<void> {
    const uri = file ?? vscode.window.activeTextEditor?.document.uri;
    if (uri?.scheme !== 'file') {
      void vscode.window.showInformationMessage('Open a template file of a Kluctl project to preview it.');
      return;
    }
    await this.preview.open(uri.fsPath);
  }
}
