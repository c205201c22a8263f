import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  childKeys,
  completionContext,
  deploymentReferenceAt,
  helmValuesFile,
  resolveTemplate,
  subDirectories,
  templateReferenceAt,
  tokenAt,
  variablesAt,
} from '../../engine/insight/expressions.js';
import type { VariableInfo, VarOrigin } from '../../engine/insight/provenance.js';
import {
  findFileReferences,
  findVariableReferences,
  projectFiles,
  referenceTargetAt,
  selfTargets,
  type Reference,
} from '../../engine/insight/references.js';
import { scopeForFile } from '../../engine/insight/scopes.js';
import { MASK } from '../../kluctl/masking.js';
import { gitRoot } from '../../engine/project/paths.js';
import { onDemand } from '../onDemandLoader.js';
import { KLUCTL_YAML_LANGUAGE } from '../schemaSelection.js';
import type { ProjectInsight } from './insight.js';

/** YAML and Jinja files of the workspace; the providers answer only inside a Kluctl project. */
export const KLUCTL_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: KLUCTL_YAML_LANGUAGE },
  { scheme: 'file', language: 'jinja' },
  { scheme: 'file', pattern: '**/*.j2' },
];

/** A value for people: strings as is, the rest as JSON, masked when it comes from a secret source. */
export function showValue(value: unknown, sensitive: boolean): string {
  if (sensitive) return MASK;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function originLine(o: VarOrigin, projectDir: string): string {
  const where = o.file ? ` — ${path.relative(projectDir, o.file)}${o.line ? `:${o.line}` : ''}` : '';
  return `${o.label}${where}`;
}

/** Hover text of a variable: value, where it comes from, what it overrode. */
export function variableMarkdown(
  vars: VariableInfo[],
  name: string,
  projectDir: string,
  target: string,
): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.isTrusted = false;
  if (vars.length === 1 && vars[0].path === name) {
    const v = vars[0];
    md.appendMarkdown(`**${name}** = `);
    md.appendMarkdown(code(showValue(v.value, v.sensitive)));
    md.appendMarkdown(`  \n_target ${target || '(none)'}_${v.sensitive ? ' · from a secret source (masked)' : ''}\n\n`);
    const eff = v.origins[v.effective];
    if (eff) md.appendMarkdown(`From ${escape(originLine(eff, projectDir))}\n\n`);
    else md.appendMarkdown('Set by the project (no single source)\n\n');
    const overridden = v.origins.filter((_, i) => i !== v.effective);
    for (const o of overridden)
      md.appendMarkdown(
        `- overridden: ${escape(originLine(o, projectDir))} = \`${showValue(o.value, o.sensitive)}\`\n`,
      );
  } else {
    md.appendMarkdown(`**${name}** (${vars.length} values) — _target ${target || '(none)'}_\n\n`);
    for (const v of vars.slice(0, 20)) {
      const eff = v.origins[v.effective];
      md.appendMarkdown(
        `- \`${v.path}\` = \`${showValue(v.value, v.sensitive)}\`${eff ? ` — ${escape(originLine(eff, projectDir))}` : ''}\n`,
      );
    }
  }
  return md;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const escape = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

export class KluctlHoverProvider implements vscode.HoverProvider {
  constructor(private readonly insight: ProjectInsight) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const line = doc.lineAt(pos.line).text;
    const token = tokenAt(line, pos.character);
    if (!token) return undefined;
    const range = new vscode.Range(pos.line, token.start, pos.line, token.end);
    if (token.kind !== 'variable') {
      const docs = (await onDemand()).templateCallableDocs();
      const d =
        docs.get(`${token.kind}:${token.text}`) ??
        docs.get(`function:${token.text}`) ??
        docs.get(`filter:${token.text}`);
      if (!d) return undefined;
      const md = new vscode.MarkdownString();
      md.appendCodeblock(d.signature, 'jinja');
      md.appendMarkdown(`${d.doc}\n\n_${d.kluctl ? 'Kluctl' : 'Jinja2'} ${d.kind}_`);
      return new vscode.Hover(md, range);
    }
    const projectDir = this.insight.projectDirFor(doc.uri.fsPath);
    if (!projectDir) return undefined;
    await this.insight.ensure(projectDir);
    const found = this.insight.scopeFor(doc.uri.fsPath);
    if (!found) return undefined;
    const vars = variablesAt(found.scope.variables, token.text);
    if (vars.length === 0) {
      const fn = (await onDemand()).templateCallableDocs().get(`function:${token.text}`);
      if (fn)
        return new vscode.Hover(
          new vscode.MarkdownString().appendCodeblock(fn.signature, 'jinja').appendMarkdown(fn.doc),
          range,
        );
      return undefined;
    }
    return new vscode.Hover(
      variableMarkdown(vars, token.text, found.analysis.projectDir, found.analysis.target ?? ''),
      range,
    );
  }
}

export class KluctlCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly insight: ProjectInsight) {}

  async provideCompletionItems(
    doc: vscode.TextDocument,
    pos: vscode.Position,
  ): Promise<vscode.CompletionItem[] | undefined> {
    const line = doc.lineAt(pos.line).text;
    const file = doc.uri.fsPath;
    const projectDir = this.insight.projectDirFor(file);
    if (!projectDir) return undefined;
    const ctx = completionContext(line, pos.character);
    if (!ctx) return this.deploymentCompletions(doc, line, pos, projectDir);
    const range = new vscode.Range(pos.line, ctx.start, pos.line, pos.character);
    if (ctx.kind === 'filter' || ctx.kind === 'test') {
      return [...(await onDemand()).templateCallableDocs().values()]
        .filter((d) => d.kind === ctx.kind)
        .map((d) => {
          const item = new vscode.CompletionItem(d.name, vscode.CompletionItemKind.Function);
          item.detail = d.signature;
          item.documentation = d.doc;
          item.range = range;
          return item;
        });
    }
    await this.insight.ensure(projectDir);
    const found = this.insight.scopeFor(file);
    const items: vscode.CompletionItem[] = [];
    for (const { key, leaf } of childKeys(found?.scope.variables ?? [], ctx.parent)) {
      const item = new vscode.CompletionItem(
        key,
        leaf ? vscode.CompletionItemKind.Variable : vscode.CompletionItemKind.Module,
      );
      if (leaf) {
        const eff = leaf.origins[leaf.effective];
        item.detail = `${showValue(leaf.value, leaf.sensitive)}${eff ? ` — ${eff.label}` : ''}`;
      } else item.detail = `${ctx.parent ? `${ctx.parent}.` : ''}${key}.…`;
      item.range = range;
      items.push(item);
    }
    if (!ctx.parent)
      for (const d of (await onDemand()).templateCallableDocs().values())
        if (d.kind === 'function' && !d.name.includes('.')) {
          const item = new vscode.CompletionItem(d.name, vscode.CompletionItemKind.Function);
          item.detail = d.signature;
          item.documentation = d.doc;
          item.range = range;
          items.push(item);
        }
    return items;
  }

  /** In deployment.yaml: dirs for `path:`/`include:`, tags used in the project for `tags:` lists. */
  private async deploymentCompletions(
    doc: vscode.TextDocument,
    line: string,
    pos: vscode.Position,
    projectDir: string,
  ): Promise<vscode.CompletionItem[] | undefined> {
    if (!/(^|[\\/])deployment\.ya?ml$/.test(doc.uri.fsPath)) return undefined;
    const before = line.slice(0, pos.character);
    const m = /^\s*(?:-\s+)?(path|include)\s*:\s*(['"]?)([^'"]*)$/.exec(before);
    if (m) {
      const typed = m[3];
      const base = path.resolve(
        path.dirname(doc.uri.fsPath),
        typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/')) : '.',
      );
      if (!base.startsWith(projectDir)) return undefined;
      const start = pos.character - (typed.length - (typed.lastIndexOf('/') + 1));
      return subDirectories(base).map((name) => {
        const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Folder);
        item.range = new vscode.Range(pos.line, start, pos.line, pos.character);
        return item;
      });
    }
    const inTags = /^\s*-\s*([\w.-]*)$/.test(before) && isInTagsList(doc, pos.line);
    if (!inTags && !/tags\s*:\s*\[[^\]]*$/.test(before)) return undefined;
    const analysis = await this.insight.ensure(projectDir);
    return (analysis?.tags ?? []).map((t) => new vscode.CompletionItem(t, vscode.CompletionItemKind.EnumMember));
  }
}

function isInTagsList(doc: vscode.TextDocument, line: number): boolean {
  const indent = (s: string) => s.length - s.trimStart().length;
  const own = indent(doc.lineAt(line).text);
  for (let i = line - 1; i >= 0 && i > line - 50; i--) {
    const t = doc.lineAt(i).text;
    if (!t.trim()) continue;
    if (indent(t) < own || (indent(t) === own && !t.trim().startsWith('-'))) return /^\s*(-\s+)?tags\s*:\s*$/.test(t);
  }
  return false;
}

export class KluctlDefinitionProvider implements vscode.DefinitionProvider {
  constructor(private readonly insight: ProjectInsight) {}

  async provideDefinition(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Location | undefined> {
    const file = doc.uri.fsPath;
    const projectDir = this.insight.projectDirFor(file);
    if (!projectDir) return undefined;
    const root = sourceRoot(projectDir);
    const line = doc.lineAt(pos.line).text;
    const at = (f: string, l = 1, c = 1) => new vscode.Location(vscode.Uri.file(f), new vscode.Position(l - 1, c - 1));

    const ref = templateReferenceAt(line, pos.character);
    if (ref) {
      const target = resolveTemplate(ref.name, file, root);
      return target ? at(target) : undefined;
    }
    const dep = deploymentReferenceAt(line, pos.character, file, root);
    if (dep?.target) return at(dep.target);
    if (/(^|[\\/])helm-chart\.ya?ml$/.test(file) && /^\s*(helmChart|releaseName|chartName)\b/.test(line)) {
      const values = helmValuesFile(file);
      if (values) return at(values);
    }
    const token = tokenAt(line, pos.character);
    if (token?.kind !== 'variable') return undefined;
    await this.insight.ensure(projectDir);
    const found = this.insight.scopeFor(file);
    const vars = found ? variablesAt(found.scope.variables, token.text) : [];
    const origin =
      vars.length === 1
        ? vars[0].origins[vars[0].effective]
        : vars.map((v) => v.origins[v.effective]).find((o) => o?.file);
    return origin?.file ? at(origin.file, origin.line ?? 1, origin.column ?? 1) : undefined;
  }
}

/**
 * Find References: for a file reference under the cursor (deployment `path:`/`include:`, vars `file:`,
 * `load_template`/`{% include %}`/`{% import %}`, a helm-chart.yaml's values file) every place of the project that
 * names the same file or dir; for a variable, where the selected target's sources define it and every template
 * line that uses it (in files whose scope has it); elsewhere in a file, every place that refers to that file.
 */
export class KluctlReferenceProvider implements vscode.ReferenceProvider {
  constructor(private readonly insight: ProjectInsight) {}

  async provideReferences(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    context: vscode.ReferenceContext,
  ): Promise<vscode.Location[] | undefined> {
    const file = doc.uri.fsPath;
    const projectDir = this.insight.projectDirFor(file);
    if (!projectDir) return undefined;
    const root = sourceRoot(projectDir);
    const line = doc.lineAt(pos.line).text;
    const files = projectFiles(root);
    let target = referenceTargetAt(line, pos.character, file, root);
    if (!target && /(^|[\\/])helm-chart\.ya?ml$/.test(file) && /^\s*(helmChart|releaseName|chartName)\b/.test(line))
      target = helmValuesFile(file);
    if (target) {
      const refs = findFileReferences(root, [target], files).map(location);
      if (context.includeDeclaration && fs.existsSync(target) && fs.statSync(target).isFile())
        refs.unshift(new vscode.Location(vscode.Uri.file(target), new vscode.Position(0, 0)));
      return refs;
    }
    const token = tokenAt(line, pos.character);
    if (token?.kind === 'variable') {
      await this.insight.ensure(projectDir);
      const analysis = this.insight.analysis(projectDir);
      const here = this.insight.scopeFor(file);
      if (!analysis || !here) return undefined;
      const defined = variablesAt(here.scope.variables, token.text);
      if (!defined.length) return undefined;
      const out: vscode.Location[] = [];
      if (context.includeDeclaration) {
        const seen = new Set<string>();
        for (const o of defined.flatMap((v) => v.origins))
          if (o.file && o.line && !seen.has(`${o.file}:${o.line}`)) {
            seen.add(`${o.file}:${o.line}`);
            out.push(
              new vscode.Location(vscode.Uri.file(o.file), new vscode.Position(o.line - 1, (o.column ?? 1) - 1)),
            );
          }
      }
      const uses = findVariableReferences(
        token.text,
        files.filter((f) => f.startsWith(projectDir + path.sep)),
      ).filter((r) => {
        const scope = scopeForFile(analysis.scopes, r.file);
        return !scope || variablesAt(scope.variables, token.text).length > 0;
      });
      return [...out, ...uses.map(location)];
    }
    return findFileReferences(root, selfTargets(file), files).map(location);
  }
}

const location = (r: Reference) =>
  new vscode.Location(
    vscode.Uri.file(r.file),
    new vscode.Range(r.line - 1, r.column - 1, r.line - 1, Math.max(r.column, r.endColumn) - 1),
  );

/** The Git root above the project (paths may leave the project, not the repository), else the project. */
const sourceRoot = (projectDir: string) => gitRoot(projectDir) ?? projectDir;
