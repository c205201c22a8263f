import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProjectAnalysis } from '../../engine/insight/analyze.js';
import { scopeForFile, type VarScope } from '../../engine/insight/scopes.js';
import type { InsightDiagnostic } from '../../engine/insight/diagnostics.js';
import type { PreviewResult } from '../../engine/insight/preview.js';
import type { EngineRunner } from '../../engine/worker/request.js';
import { isCancelled } from '../../util/errors.js';
import { Disposable } from '../disposable.js';

/** The target and args the editor renders a project with; remembered per workspace. */
export interface TargetSelection {
  target?: string;
  args: string[];
}

const SELECTION_KEY = 'kluctl.insight.selection';
/** Typing waits this long for a pause before the buffer is rendered. */
export const TYPE_DEBOUNCE_MS = 300;
const SAVE_DEBOUNCE_MS = 30;

/**
 * Bounds of the editor's renders. A template that loops (`range(10**9)`, a macro calling itself) is stopped by the
 * step budget of each template render with its own diagnostic; whatever still runs past the time limit (a slow Helm
 * chart, a loop between budget checks) is cancelled, its worker terminated, and a diagnostic says so. Public so
 * that the UI tests can shorten them.
 */
export interface InsightLimits {
  /** Steps of one template render (the engine's default is 100,000,000, tens of seconds). */
  renderSteps: number;
  /** The preview of the edited buffer (as you type, and the rendered preview). */
  previewMs: number;
  /** The analysis of a whole project on save. */
  analyzeMs: number;
}

export const DEFAULT_INSIGHT_LIMITS: InsightLimits = {
  renderSteps: 10_000_000,
  previewMs: 15_000,
  analyzeMs: 120_000,
};

/** A render of the editor stopped at its time limit. */
export class RenderTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(
      `Kluctl: ${what} was stopped after ${ms / 1000} s (an endless loop or a very slow template?); ` +
        'fix the template, or save to render again',
    );
    this.name = 'RenderTimeoutError';
  }
}

/** An AbortController that also aborts when `signal` does, and after `ms`. */
function timed(
  ms: number,
  signal?: AbortSignal,
): { controller: AbortController; timedOut: () => boolean; done: () => void } {
  const controller = new AbortController();
  let fired = false;
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) controller.abort();
  const timer = setTimeout(() => {
    fired = true;
    controller.abort();
  }, ms);
  return {
    controller,
    timedOut: () => fired,
    done: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The editor's understanding of the workspace's Kluctl projects (issue #18): the last analysis of each project for
 * its selected target, re-run in the engine worker on save (and the edited file's preview while typing), with every
 * problem in the Problems panel. A new run cancels the previous one of the same project. Templates are only
 * rendered in a trusted workspace, never in this thread, and never against a cluster.
 */
export class ProjectInsight extends Disposable {
  private readonly analyses = new Map<string, ProjectAnalysis>();
  private readonly running = new Map<string, AbortController>();
  private readonly inFlight = new Map<string, Promise<ProjectAnalysis | undefined>>();
  private readonly queued = new Map<string, Promise<ProjectAnalysis | undefined>>();
  private readonly typing = new Map<string, NodeJS.Timeout>();
  private readonly saveTimers = new Map<string, NodeJS.Timeout>();
  /** Files being saved (between will-save and saved): their buffer turns clean because of the save, not a revert. */
  private readonly saving = new Set<string>();
  /** Per project: the diagnostics of the last analysis, and per file those of its live preview. */
  private readonly projectDiagnostics = new Map<string, Map<string, InsightDiagnostic[]>>();
  private readonly bufferDiagnostics = new Map<string, InsightDiagnostic[]>();
  readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('kluctl'));
  private readonly changed = this.register(new vscode.EventEmitter<string>());
  /** A project's analysis changed (its dir). */
  readonly onDidAnalyze = this.changed.event;
  private readonly selectionChanged = this.register(new vscode.EventEmitter<string>());
  readonly onDidChangeSelection = this.selectionChanged.event;
  readonly limits: InsightLimits = { ...DEFAULT_INSIGHT_LIMITS };

  constructor(
    private readonly engine: EngineRunner,
    private readonly state: vscode.Memento,
  ) {
    super();
    this.register(vscode.workspace.onWillSaveTextDocument((e) => this.saving.add(e.document.uri.fsPath)));
    this.register(vscode.workspace.onDidSaveTextDocument((d) => this.saved(d)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.edited(e.document)));
    this.register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.bufferDiagnostics.delete(d.uri.fsPath)) this.publish(d.uri.fsPath);
      }),
    );
    this.register({
      dispose: () => {
        for (const c of this.running.values()) c.abort();
        for (const t of [...this.typing.values(), ...this.saveTimers.values()]) clearTimeout(t);
      },
    });
  }

  /** The Kluctl project a file belongs to: the nearest dir with `.kluctl.yaml` up to its workspace folder. */
  projectDirFor(file: string): string | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath;
    if (!folder) return undefined;
    let topDeployment: string | undefined;
    for (let dir = path.dirname(file), i = 0; i < 64; i++) {
      if (['.kluctl.yaml', '.kluctl.yml'].some((f) => fs.existsSync(path.join(dir, f)))) return dir;
      if (['deployment.yaml', 'deployment.yml'].some((f) => fs.existsSync(path.join(dir, f)))) topDeployment = dir;
      if (dir === folder || path.dirname(dir) === dir) break;
      dir = path.dirname(dir);
    }
    return topDeployment;
  }

  selection(projectDir: string): TargetSelection {
    const all = this.state.get<Record<string, TargetSelection>>(SELECTION_KEY, {});
    return all[projectDir] ?? { args: [] };
  }

  async select(projectDir: string, selection: TargetSelection): Promise<void> {
    const all = { ...this.state.get<Record<string, TargetSelection>>(SELECTION_KEY, {}) };
    all[projectDir] = selection;
    await this.state.update(SELECTION_KEY, all);
    this.selectionChanged.fire(projectDir);
    void this.analyze(projectDir);
  }

  analysis(projectDir: string): ProjectAnalysis | undefined {
    return this.analyses.get(projectDir);
  }

  /** The scope (vars) a file's templates render with, from the last analysis of its project. */
  scopeFor(file: string): { analysis: ProjectAnalysis; scope: VarScope } | undefined {
    const dir = this.projectDirFor(file);
    const analysis = dir ? this.analyses.get(dir) : undefined;
    const scope = analysis ? scopeForFile(analysis.scopes, file) : undefined;
    return analysis && scope ? { analysis, scope } : undefined;
  }

  /** The analysis of a project, run now when there is none yet. */
  async ensure(projectDir: string): Promise<ProjectAnalysis | undefined> {
    return this.analyses.get(projectDir) ?? this.analyze(projectDir);
  }

  /**
   * Re-analyses a project in the engine worker. One analysis of a project runs at a time (it keeps the warm worker
   * and its render cache): asked again meanwhile (another save, another target), one more run follows it, with
   * what is on disk and selected then.
   */
  async analyze(projectDir: string): Promise<ProjectAnalysis | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    const inFlight = this.inFlight.get(projectDir);
    if (inFlight) {
      let next = this.queued.get(projectDir);
      if (!next) {
        next = inFlight.then(() => {
          this.queued.delete(projectDir);
          return this.analyze(projectDir);
        });
        this.queued.set(projectDir, next);
      }
      return next;
    }
    const run = this.analyzeNow(projectDir);
    this.inFlight.set(projectDir, run);
    void run.finally(() => {
      if (this.inFlight.get(projectDir) === run) this.inFlight.delete(projectDir);
    });
    return run;
  }

  private async analyzeNow(projectDir: string): Promise<ProjectAnalysis | undefined> {
    const controller = new AbortController();
    this.running.set(projectDir, controller);
    const sel = this.selection(projectDir);
    const limit = timed(this.limits.analyzeMs, controller.signal);
    try {
      const analysis = await this.engine.run(
        {
          command: 'analyze',
          options: {
            projectDir,
            target: sel.target,
            args: sel.args,
            maxRenderSteps: this.limits.renderSteps,
            incremental: true,
          },
        },
        { signal: limit.controller.signal },
      );
      if (controller.signal.aborted) return undefined;
      this.analyses.set(projectDir, analysis);
      const byFile = new Map<string, InsightDiagnostic[]>();
      for (const d of analysis.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
      const before = this.projectDiagnostics.get(projectDir);
      this.projectDiagnostics.set(projectDir, byFile);
      // A saved file's buffer diagnostics are now the project's.
      for (const file of byFile.keys()) this.bufferDiagnostics.delete(file);
      for (const file of new Set([...(before?.keys() ?? []), ...byFile.keys()])) this.publish(file);
      for (const doc of vscode.workspace.textDocuments)
        if (!doc.isDirty && this.bufferDiagnostics.delete(doc.uri.fsPath)) this.publish(doc.uri.fsPath);
      this.changed.fire(projectDir);
      return analysis;
    } catch (error) {
      if (controller.signal.aborted) return undefined;
      if (isCancelled(error) && !limit.timedOut()) return undefined;
      const message = limit.timedOut()
        ? new RenderTimeoutError(`the analysis of ${path.basename(projectDir)}`, this.limits.analyzeMs).message
        : (error as Error).message;
      const file = path.join(
        projectDir,
        fs.existsSync(path.join(projectDir, '.kluctl.yml')) ? '.kluctl.yml' : '.kluctl.yaml',
      );
      const before = this.projectDiagnostics.get(projectDir);
      this.projectDiagnostics.set(
        projectDir,
        new Map([[file, [{ file, line: 1, column: 1, message, severity: 'error' }]]]),
      );
      for (const f of new Set([...(before?.keys() ?? []), file])) this.publish(f);
      return undefined;
    } finally {
      limit.done();
      if (this.running.get(projectDir) === controller) this.running.delete(projectDir);
    }
  }

  /** The rendered preview of a file from the given text (the buffer), for the selected target. */
  async preview(file: string, text: string | undefined, signal?: AbortSignal): Promise<PreviewResult | undefined> {
    const projectDir = this.projectDirFor(file);
    if (!projectDir || !vscode.workspace.isTrusted) return undefined;
    const sel = this.selection(projectDir);
    const limit = timed(this.limits.previewMs, signal);
    try {
      return await this.engine.run(
        {
          command: 'preview',
          options: {
            projectDir,
            target: sel.target,
            args: sel.args,
            file,
            text,
            maxRenderSteps: this.limits.renderSteps,
          },
        },
        { signal: limit.controller.signal },
      );
    } catch (error) {
      if (limit.timedOut() && !signal?.aborted)
        throw new RenderTimeoutError(`rendering ${path.basename(file)}`, this.limits.previewMs);
      throw error;
    } finally {
      limit.done();
    }
  }

  private saved(doc: vscode.TextDocument): void {
    this.saving.delete(doc.uri.fsPath);
    if (doc.uri.scheme !== 'file') return;
    const projectDir = this.projectDirFor(doc.uri.fsPath);
    if (!projectDir) return;
    clearTimeout(this.typing.get(doc.uri.fsPath));
    clearTimeout(this.saveTimers.get(projectDir));
    this.saveTimers.set(
      projectDir,
      setTimeout(() => void this.analyze(projectDir), SAVE_DEBOUNCE_MS),
    );
  }

  /**
   * While typing: the edited file alone is rendered from its buffer (debounced), its problems shown at once. When the
   * buffer is the file again without a save (File: Revert, undo back to the saved text), a render of the older text
   * still pending or running is dropped and the file shows its project's problems again. A save keeps the buffer's
   * problems until the analysis that the save starts replaces them, so that they do not blink.
   */
  private edited(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file') return;
    const file = doc.uri.fsPath;
    if (!/\.(ya?ml|j2)$/.test(file) || /(^|[\\/])(\.kluctl|deployment)\.ya?ml$/.test(file)) return;
    clearTimeout(this.typing.get(file));
    if (!doc.isDirty) {
      if (this.saving.has(file)) return;
      this.running.get(`buffer:${file}`)?.abort();
      if (this.bufferDiagnostics.delete(file)) this.publish(file);
      return;
    }
    this.saving.delete(file);
    if (!this.projectDirFor(file)) return;
    this.typing.set(
      file,
      setTimeout(() => this.renderBuffer(doc), TYPE_DEBOUNCE_MS),
    );
  }

  /** Renders the buffer's text now; what it finds replaces the file's buffer problems unless the buffer changed since. */
  private renderBuffer(doc: vscode.TextDocument): void {
    const file = doc.uri.fsPath;
    const version = doc.version;
    const controller = new AbortController();
    this.running.get(`buffer:${file}`)?.abort();
    this.running.set(`buffer:${file}`, controller);
    const current = () => !controller.signal.aborted && doc.version === version && !doc.isClosed;
    this.preview(file, doc.getText(), controller.signal)
      .then(
        (result) => {
          if (!result || !current()) return;
          this.bufferDiagnostics.set(
            file,
            result.diagnostics.filter((d) => d.file === file),
          );
          this.publish(file);
        },
        (error: unknown) => {
          // A render stopped at its time limit is a problem of the buffer: said at its first line (the next
          // analysis of the saved file replaces it).
          if (!(error instanceof RenderTimeoutError) || !current()) return;
          this.bufferDiagnostics.set(file, [
            { file, line: 1, column: 1, message: error.message, severity: 'error', code: 'timeout' },
          ]);
          this.publish(file);
        },
      )
      .finally(() => {
        if (this.running.get(`buffer:${file}`) === controller) this.running.delete(`buffer:${file}`);
      });
  }

  private publish(file: string): void {
    const list =
      this.bufferDiagnostics.get(file) ?? [...this.projectDiagnostics.values()].flatMap((m) => m.get(file) ?? []);
    this.diagnostics.set(vscode.Uri.file(file), list.map(toDiagnostic));
  }
}

function toDiagnostic(d: InsightDiagnostic): vscode.Diagnostic {
  const line = Math.max(0, d.line - 1);
  const start = Math.max(0, d.column - 1);
  const end = d.endColumn ? Math.max(start + 1, d.endColumn - 1) : start + 1000;
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(line, start, line, end),
    d.message,
    d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
  );
  diagnostic.source = 'kluctl';
  if (d.code) diagnostic.code = d.code;
  return diagnostic;
}
