/**
 * Rendered preview of one template file for the selected target, from the text being edited (not yet saved): the
 * file is rendered with the vars and search dirs of the scope that renders it (its item, else its project), then
 * read as YAML. A failure is a diagnostic; Secret values in the output are masked unless revealed.
 */

import * as path from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';
import { MASK } from '../../kluctl/masking.js';
import { asContext, rendererFor } from '../vars/templating.js';
import { parseResourceYaml } from '../yaml/kustomize.js';
import { analyze, withRenderSteps, type AnalyzeOptions } from './analyze.js';
import { scopeForFile } from './scopes.js';
import { diagnosticsFromError, type InsightDiagnostic } from './diagnostics.js';

export interface PreviewOptions extends Omit<AnalyzeOptions, 'render'> {
  file: string;
  /** The file's current text (the editor buffer); read from disk when absent. */
  text?: string;
  revealSecrets?: boolean;
}

export interface PreviewResult {
  file: string;
  /** The rendered text; absent when it did not render. */
  rendered?: string;
  /** Objects in the rendered text (documents with a kind). */
  objects: number;
  /** Which part of the project gave the vars (`item app`, `root project`). */
  scope?: string;
  diagnostics: InsightDiagnostic[];
}

export async function previewFile(o: PreviewOptions): Promise<PreviewResult> {
  return withRenderSteps(o.maxRenderSteps, () => previewInto(o));
}

async function previewInto(o: PreviewOptions): Promise<PreviewResult> {
  const file = path.resolve(o.file);
  const { analysis, contexts } = await analyze({ ...o, render: false, maxRenderSteps: undefined });
  const scope = scopeForFile(analysis.scopes, file);
  const context = scope ? contexts.get(scope.id) : undefined;
  const result: PreviewResult = { file, objects: 0, scope: scope?.label, diagnostics: [] };
  if (!context) {
    result.diagnostics = analysis.diagnostics.length
      ? analysis.diagnostics
      : [{ file, line: 1, column: 1, message: 'this file is not part of the project', severity: 'warning' }];
    return result;
  }
  const options = {
    fallbackFile: file,
    projectRoot: analysis.projectDir,
    loadedVars: () => scope?.loaded,
    overlay: o.text === undefined ? undefined : { file, text: o.text },
  };
  let rendered: string;
  try {
    const text = o.text ?? undefined;
    rendered =
      text === undefined
        ? rendererFor(context.searchDirs).renderFile(file, asContext(context.vars))
        : rendererFor(context.searchDirs).renderString(text.replace(/\n$/, ''), asContext(context.vars), {
            name: file,
          });
  } catch (error) {
    result.diagnostics = diagnosticsFromError(error, options).map((d) =>
      d.file === file ? d : { ...d, message: `${path.basename(d.file)}:${d.line}: ${d.message}` },
    );
    return result;
  }
  if (/\.ya?ml$/.test(file)) {
    try {
      result.objects = parseResourceYaml(rendered, file).filter((d) => d && typeof d === 'object').length;
    } catch (error) {
      result.diagnostics = diagnosticsFromError(error, options).map((d) => ({ ...d, code: 'yaml' }));
    }
    if (!o.revealSecrets) rendered = maskSecrets(rendered);
  }
  result.rendered = rendered;
  return result;
}

/** `data`/`stringData` values of Secret documents replaced by the mask. */
export function maskSecrets(text: string): string {
  if (!/kind:\s*Secret/.test(text)) return text;
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return text;
  let changed = false;
  for (const doc of docs) {
    if (doc.errors.length || !isMap(doc.contents) || doc.get('kind') !== 'Secret') continue;
    for (const key of ['data', 'stringData']) {
      const m = doc.get(key);
      if (!isMap(m)) continue;
      for (const pair of m.items) {
        doc.setIn([key, (pair.key as { value?: unknown })?.value ?? pair.key], MASK);
        changed = true;
      }
    }
  }
  return changed ? docs.map((d) => d.toString()).join('---\n') : text;
}
