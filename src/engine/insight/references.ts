/**
 * Find References (issue #18): every place of a project that refers to a file or directory (deployment `path:` and
 * `include:`, vars `file:` sources, `load_template`/`{% include %}`/`{% import %}` targets, the values file of a
 * `helm-chart.yaml`) and every template line that uses a variable. Text functions over the project's files, read
 * once per call and bounded (files, size, depth); nothing outside the project root is read.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { deploymentReferenceAt, helmValuesFile, resolveTemplate, tagAt, templateReferences } from './expressions.js';

export interface Reference {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based; endColumn exclusive. */
  column: number;
  endColumn: number;
}

/** A reference on one line: its span (0-based columns) and the file or dir it leads to. */
export interface LineReference {
  start: number;
  end: number;
  target: string;
}

const MAX_FILES = 5000;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_DEPTH = 32;
const TEXT_FILE = /\.(ya?ml|j2|jinja2?|json|txt|tpl)$/;

/** The text files of a project (YAML, Jinja, JSON), sorted; dot dirs (`.git`) and `node_modules` skipped. */
export function projectFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const f = path.join(dir, e.name);
      // Symlinks are not followed: they may lead out of the project.
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(f, depth + 1);
      else if (e.isFile() && (TEXT_FILE.test(e.name) || e.name.startsWith('.kluctl'))) out.push(f);
    }
  };
  walk(root, 0);
  return out;
}

function readText(file: string): string | undefined {
  try {
    if (fs.statSync(file).size > MAX_FILE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const isDeploymentFile = (f: string) => /^deployment\.ya?ml$/.test(path.basename(f));
const isHelmChartFile = (f: string) => /^helm-chart\.ya?ml$/.test(path.basename(f));

/**
 * Every file reference on a line of `file`: templates loaded by tags and calls; in a deployment.yaml, `path:` and
 * `include:` (the directory) and vars `file:` (the file); in any file, a vars `file:` list entry.
 */
export function referencesOnLine(line: string, file: string, root: string): LineReference[] {
  const out: LineReference[] = [];
  for (const ref of templateReferences(line)) {
    const target = resolveTemplate(ref.name, file, root);
    if (target) out.push({ start: ref.start, end: ref.end, target });
  }
  const m = /^\s*(?:-\s+)?(path|include|file)\s*:/.exec(line);
  if (m && (m[1] === 'file' || isDeploymentFile(file))) {
    const colOfValue = line.indexOf(':', m[0].length - 1) + 1;
    const rest = line.slice(colOfValue);
    const valueCol = colOfValue + (rest.length - rest.trimStart().length) + (/^\s*['"]/.test(rest) ? 1 : 0);
    const dep = deploymentReferenceAt(line, valueCol, file, root);
    if (dep) {
      const target =
        dep.key === 'file'
          ? dep.target
          : (() => {
              const dir = path.resolve(path.dirname(file), dep.value);
              return isInside(root, dir) && isDirectory(dir) ? dir : undefined;
            })();
      if (target) out.push({ start: dep.start, end: dep.end, target });
    }
  }
  return out;
}

/** The file or dir the reference at `col` leads to, for Find References from a use. */
export function referenceTargetAt(line: string, col: number, file: string, root: string): string | undefined {
  return referencesOnLine(line, file, root).find((r) => col >= r.start && col <= r.end)?.target;
}

/** What a file is known as when nothing under the cursor is a reference: itself, and its dir for a deployment.yaml. */
export function selfTargets(file: string): string[] {
  return isDeploymentFile(file) ? [file, path.dirname(file)] : [file];
}

/**
 * Every reference in the project to one of `targets` (absolute files or dirs). A Helm values file is referenced by
 * the helm-chart.yaml beside it (at its first line: Kluctl reads it by its place, not by a name).
 */
export function findFileReferences(root: string, targets: readonly string[], files = projectFiles(root)): Reference[] {
  const wanted = new Set(targets.map((t) => path.resolve(t)));
  const out: Reference[] = [];
  for (const file of files) {
    if (isHelmChartFile(file)) {
      const values = helmValuesFile(file);
      if (values && wanted.has(values)) out.push({ file, line: 1, column: 1, endColumn: 1 });
    }
    const text = readText(file);
    if (text === undefined || !/path|include|file|import|from|extends|load_/.test(text)) continue;
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (!/path|include|file|import|from|extends|load_/.test(line)) continue;
      for (const r of referencesOnLine(line, file, root))
        if (wanted.has(r.target)) out.push({ file, line: i + 1, column: r.start + 1, endColumn: r.end + 1 });
    }
  }
  return out;
}

const NAME = /(?<![\w.'"])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g;
const GET_VAR = /\bget_var\(\s*(['"])([\w.]+)\1/g;

/**
 * Every use of the variable `varPath` (dotted) in the template tags of `files`: the name itself or a path below it
 * (`db.host` is used by `{{ db.host }}` and `{{ db.host.x }}`), and `get_var('db.host')`. Strings and filter names
 * are not uses.
 */
export function findVariableReferences(varPath: string, files: readonly string[]): Reference[] {
  const out: Reference[] = [];
  const first = varPath.split('.')[0];
  const byLine = (a: Reference, b: Reference) => a.line - b.line || a.column - b.column;
  for (const file of files) {
    const text = readText(file);
    if (text === undefined || !text.includes(first) || !/\{[{%]/.test(text)) continue;
    const inFile: Reference[] = [];
    for (const [i, line] of text.split('\n').entries()) {
      if (!line.includes(first)) continue;
      for (const m of line.matchAll(GET_VAR))
        if (m[2] === varPath || m[2].startsWith(`${varPath}.`)) {
          const start = m.index + m[0].indexOf(m[2]);
          inFile.push({ file, line: i + 1, column: start + 1, endColumn: start + m[2].length + 1 });
        }
      for (const m of line.matchAll(NAME)) {
        const name = m[1];
        if (name !== varPath && !name.startsWith(`${varPath}.`)) continue;
        const start = m.index;
        const tag = tagAt(line, start);
        if (!tag || start < tag.start + 2 || inString(line.slice(tag.start + 2, start))) continue;
        const before = line.slice(tag.start + 2, start).trimEnd();
        if (before.endsWith('|') || /\bis(\s+not)?$/.test(before)) continue;
        inFile.push({ file, line: i + 1, column: start + 1, endColumn: start + varPath.length + 1 });
      }
    }
    out.push(...inFile.sort(byLine));
  }
  return out;
}

/** Whether the text before a position (inside a tag) leaves it inside a string literal. */
function inString(before: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
  }
  return quote !== undefined;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}
