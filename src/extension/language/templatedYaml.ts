import * as vscode from 'vscode';
import { Disposable } from '../disposable.js';
import { KLUCTL_YAML_LANGUAGE, wantsKluctlYaml } from '../schemaSelection.js';
import type { ProjectInsight } from './insight.js';

/**
 * Templated YAML without false errors (issue #18): YAML files of a Kluctl project that contain Jinja2 are put in
 * the Kluctl YAML mode when they are opened or saved. That mode highlights YAML with VS Code's own grammar plus the
 * Jinja2 injection grammar, and YAML tooling (the Red Hat YAML extension validates the `yaml` mode only) does not
 * mark its tag lines. Kluctl's own diagnostics (insight.ts) report these files' real problems, on the rendered
 * result. Setting `kluctl.editor.templatedYamlMode: false` keeps them `yaml`.
 */
export class TemplatedYamlMode extends Disposable {
  constructor(private readonly insight: ProjectInsight) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((d) => void this.check(d)));
    this.register(vscode.workspace.onDidSaveTextDocument((d) => void this.check(d)));
    for (const d of vscode.workspace.textDocuments) void this.check(d);
  }

  private enabled(): boolean {
    return vscode.workspace.getConfiguration('kluctl').get<boolean>('editor.templatedYamlMode', true);
  }

  /** Switches one document when it wants the Kluctl YAML mode; resolves to the document in its (new) mode. */
  async check(doc: vscode.TextDocument): Promise<vscode.TextDocument> {
    if (doc.uri.scheme !== 'file' || doc.languageId !== 'yaml' || !this.enabled()) return doc;
    const inside = this.insight.projectDirFor(doc.uri.fsPath) !== undefined;
    if (!wantsKluctlYaml(doc.fileName, doc.languageId, doc.getText(), inside)) return doc;
    try {
      return await vscode.languages.setTextDocumentLanguage(doc, KLUCTL_YAML_LANGUAGE);
    } catch {
      // The document was closed meanwhile.
      return doc;
    }
  }
}
