/**
 * The engine's errors as editor diagnostics: file, line, column and a one-line message. Template errors
 * (`TemplateRenderError`), project file errors (`ProjectError`: YAML, unknown fields, missing paths) and kustomize
 * errors carry file and line; wrapped errors are searched through their causes and, as a last resort, their
 * message (errors that crossed a worker boundary or were re-worded keep `failed rendering template '<f>': line N`).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { KustomizeError, ProjectError } from '../errors.js';
import { TemplateRenderError } from '../template/renderer.js';
import { findInFile, lineOf } from './locate.js';

export type Severity = 'error' | 'warning';

export interface InsightDiagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based; endColumn is exclusive. */
  column: number;
  endColumn?: number;
  message: string;
  severity: Severity;
  /** `template`, `yaml`, `project`, `kustomize`, `helm`. */
  code?: string;
}

interface Located {
  file?: string;
  line?: number;
  message: string;
  errorType?: string;
  code: string;
}

const TEMPLATE_MESSAGE = /failed rendering template '([^']+)': (?:'([^']+)' )?line (\d+|\?): ([A-Za-z]+): ([^\n]*)/;
const FILE_LINE_MESSAGE = /((?:\/[^\s:'"`]+)+):(\d+): ([^\n]*)/;
const REL_FILE_LINE = /(?:^|\s)([\w.\-/]+\.ya?ml):(\d+): ([^\n]*)/;
const FILE_MESSAGE = /((?:\/[^\s:'"`]+)+\.ya?ml)\b:? ?([^\n]*)/;

/** What the error says, where: the innermost structured error of the cause chain, else the message. */
function locate(error: unknown): Located {
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 16; e = (e as { cause?: unknown }).cause) chain.push(e);
  for (const e of [...chain].reverse())
    if (e instanceof TemplateRenderError)
      return {
        file: e.location,
        line: e.line,
        message: `${e.errorType}: ${e.detail}`,
        errorType: e.errorType,
        code: 'template',
      };
  const message = error instanceof Error ? error.message : String(error);
  // A template error re-worded into another error (a vars source's) is still about the template.
  const t = TEMPLATE_MESSAGE.exec(message);
  // A vars file's YAML error inside its source's error names the file as the source does (relative).
  const rel = t ? undefined : REL_FILE_LINE.exec(message);
  const outer = chain.find((e): e is ProjectError => e instanceof ProjectError);
  if (rel && outer?.file) {
    const file = path.resolve(path.dirname(outer.file), rel[1]);
    if (isFile(file)) return { file, line: Number(rel[2]), message: rel[3], code: 'yaml' };
  }
  if (!t)
    for (const e of [...chain].reverse()) {
      if (e instanceof ProjectError) return { file: e.file, line: e.line, message: e.detail, code: 'project' };
      if (e instanceof KustomizeError) return { file: e.file, line: e.line, message: e.message, code: 'kustomize' };
    }
  if (t)
    return {
      file: t[2] ?? t[1],
      line: t[3] === '?' ? undefined : Number(t[3]),
      message: `${t[4]}: ${t[5]}`,
      errorType: t[4],
      code: 'template',
    };
  const fl = FILE_LINE_MESSAGE.exec(message);
  if (fl) return { file: fl[1], line: Number(fl[2]), message: fl[3] || message, code: 'project' };
  const f = FILE_MESSAGE.exec(message);
  if (f) return { file: f[1], message: message, code: 'project' };
  return { message, code: 'project' };
}

export interface DiagnosticOptions {
  /** Where an error that names no file (or a file outside the project) is shown. */
  fallbackFile: string;
  /** Files outside this dir are not shown as such (a temp render dir, a clone): the fallback file is. */
  projectRoot: string;
  /** The text of a file that is being edited (not saved): its columns are found in it rather than on disk. */
  overlay?: { file: string; text: string };
  /** Appended to undefined-variable errors: the vars sources that were loaded for the file. */
  loadedVars?: (file: string) => string[] | undefined;
}

export function diagnosticsFromError(error: unknown, o: DiagnosticOptions): InsightDiagnostic[] {
  const found = locate(error);
  let file =
    found.file && path.isAbsolute(found.file) ? inSource(path.normalize(found.file), o.projectRoot) : undefined;
  let message = oneLine(found.message);
  if (found.file) message = message.split(`${found.file}: `).join('');
  if (!file || !isInsideDir(o.projectRoot, file) || !isFile(file)) {
    if (file) message = `${path.basename(file)}: ${message}`;
    file = o.fallbackFile;
    found.line = undefined;
  }
  let line = found.line;
  const lineText = (n: number) =>
    o.overlay && o.overlay.file === file ? (o.overlay.text.split('\n')[n - 1] ?? '') : lineOf(file, n);
  let range = line ? columnsFor(lineText(line), found) : undefined;
  if (!line) {
    const hit = mentioned(file, found.message);
    if (hit) {
      line = hit.line;
      range = { column: hit.column, endColumn: hit.column + hit.length };
    }
  }
  if (found.errorType === 'UndefinedError') {
    const loaded = o.loadedVars?.(file);
    if (loaded?.length) message += ` (vars loaded: ${loaded.join(', ')})`;
    else if (loaded) message += ' (no vars sources loaded here; only args and target)';
  }
  return [
    {
      file,
      line: line ?? 1,
      column: range?.column ?? 1,
      endColumn: range?.endColumn,
      message,
      // A missing helm/kustomize binary is the machine's problem, not the project's.
      severity: /need a (helm|kustomize) binary|binary not found/i.test(message) ? 'warning' : 'error',
      code: found.code,
    },
  ];
}

/** The columns an error is about on its line: the undefined name, else the template tag, else the text. */
export function columnsFor(
  text: string,
  found: { message: string; errorType?: string },
): { column: number; endColumn: number } {
  const whole = () => {
    const start = text.length - text.trimStart().length;
    return { column: start + 1, endColumn: Math.max(text.trimEnd().length + 1, start + 2) };
  };
  const name =
    /'([A-Za-z_][\w]*)' is undefined/.exec(found.message)?.[1] ??
    /has no attribute '([^']+)'/.exec(found.message)?.[1] ??
    /no filter named '([^']+)'/.exec(found.message)?.[1] ??
    /no test named '([^']+)'/.exec(found.message)?.[1];
  if (name) {
    const re = new RegExp(`(?<![\\w])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`, 'g');
    // Prefer an occurrence inside a template expression.
    let m: RegExpExecArray | null;
    let first: number | undefined;
    while ((m = re.exec(text))) {
      first ??= m.index;
      const before = text.slice(0, m.index);
      if (before.lastIndexOf('{{') > before.lastIndexOf('}}') || before.lastIndexOf('{%') > before.lastIndexOf('%}'))
        return { column: m.index + 1, endColumn: m.index + name.length + 1 };
    }
    if (first !== undefined) return { column: first + 1, endColumn: first + name.length + 1 };
  }
  if (found.errorType) {
    const tag = /\{[{%]/.exec(text);
    if (tag) {
      const close = text.indexOf(tag[0] === '{{' ? '}}' : '%}', tag.index);
      return { column: tag.index + 1, endColumn: close >= 0 ? close + 3 : text.length + 1 };
    }
  }
  return whole();
}

/** A path or name the message ends with (`deployment directory does not exist: foo`), found in the file. */
function mentioned(file: string, message: string): { line: number; column: number; length: number } | undefined {
  const m = /: ([^\s:'"]+)\s*$/.exec(message) ?? /'([^']+)'/.exec(message);
  if (!m) return undefined;
  const needle = m[1];
  const hit = findInFile(file, needle);
  return hit ? { ...hit, length: needle.length } : undefined;
}

/** A file of the engine's temporary render dir (kustomize reads those) as the source file it was rendered from. */
function inSource(file: string, projectRoot: string): string {
  const m = /[\\/]kluctl-ts-rendered-[^\\/]+[\\/]root[\\/](.+)$/.exec(file);
  if (!m) return file;
  const source = path.join(projectRoot, m[1]);
  return isFile(source) ? source : file;
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').slice(0, 2000);

function isInsideDir(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Warnings of a render that name a target (`Failed to load target x: …`) are shown at that target. */
export function warningDiagnostics(warnings: readonly string[], configFile: string | undefined): InsightDiagnostic[] {
  if (!configFile) return [];
  const out: InsightDiagnostic[] = [];
  for (const w of warnings) {
    const m = /^Failed to load target ([^:]+): (.*)$/.exec(w);
    if (!m) continue;
    const hit = findInFile(configFile, `name: ${m[1]}`);
    out.push({
      file: configFile,
      line: hit?.line ?? 1,
      column: hit?.column ?? 1,
      endColumn: hit ? hit.column + `name: ${m[1]}`.length : undefined,
      message: `target ${m[1]} could not be loaded: ${oneLine(m[2])}`,
      severity: 'warning',
      code: 'project',
    });
  }
  return out;
}
