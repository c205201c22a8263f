/**
 * What is under the cursor of a Kluctl template, for hover, completion and Go to Definition: the `{{ … }}` or
 * `{% … %}` around it, the dotted variable path, a filter or function name, a template a tag loads, a path of
 * `deployment.yaml`. Pure text functions (plus existence checks on disk for definitions), bounded by the line.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixPathExt } from '../project/paths.js';
import type { VariableInfo } from './provenance.js';

export interface Span {
  start: number;
  end: number;
}

/** The template tag containing `offset` on its line: its kind and span (inclusive of the delimiters). */
export function tagAt(line: string, col: number): (Span & { kind: 'expression' | 'statement' }) | undefined {
  const re = /\{\{[\s\S]*?(\}\}|$)|\{%[\s\S]*?(%\}|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    if (m[0].length === 0) break;
    const start = m.index;
    const end = m.index + m[0].length;
    if (col >= start && col <= end) return { start, end, kind: m[0].startsWith('{{') ? 'expression' : 'statement' };
  }
  return undefined;
}

export type TokenKind = 'variable' | 'filter' | 'test' | 'function';

export interface TokenAt extends Span {
  /** A dotted path (`args.env`, `images.get_image`) or a name. */
  text: string;
  kind: TokenKind;
}

const WORD = /[A-Za-z0-9_.]/;

/** The dotted name under the cursor inside a template tag, and whether it is used as a filter, test or call. */
export function tokenAt(line: string, col: number): TokenAt | undefined {
  const tag = tagAt(line, col);
  if (!tag) return undefined;
  let start = col;
  let end = col;
  while (start > tag.start && WORD.test(line[start - 1])) start--;
  while (end < tag.end && WORD.test(line[end])) end++;
  let text = line.slice(start, end);
  // Up to the segment under the cursor: hovering `env` in `args.env.x` is about `args.env`.
  const cut = line.indexOf('.', col);
  if (cut >= 0 && cut < end) {
    text = line.slice(start, cut);
    end = cut;
  }
  text = text.replace(/^\.+|\.+$/g, '');
  if (!text || /^\d/.test(text)) return undefined;
  const before = line.slice(tag.start + 2, start).trimEnd();
  const after = line.slice(end).trimStart();
  let kind: TokenKind = 'variable';
  if (before.endsWith('|')) kind = 'filter';
  else if (/\bis(\s+not)?$/.test(before)) kind = 'test';
  else if (after.startsWith('(')) kind = 'function';
  if (kind === 'variable' && KEYWORDS.has(text)) return undefined;
  return { start, end, text, kind };
}

const KEYWORDS = new Set([
  'if',
  'elif',
  'else',
  'endif',
  'for',
  'endfor',
  'in',
  'not',
  'and',
  'or',
  'is',
  'set',
  'endset',
  'macro',
  'endmacro',
  'include',
  'import',
  'from',
  'as',
  'with',
  'endwith',
  'raw',
  'endraw',
  'true',
  'false',
  'none',
  'True',
  'False',
  'None',
  'loop',
  'break',
  'continue',
  'block',
  'endblock',
  'call',
  'endcall',
  'filter',
  'endfilter',
]);

export interface CompletionContext {
  kind: 'variable' | 'filter' | 'test';
  /** For variables: the path before the last dot (`db` for `db.ho`), '' at the top. */
  parent: string;
  /** What is typed of the last segment. */
  partial: string;
  /** Where the partial starts on the line. */
  start: number;
}

/** What completion inside a template tag should offer at `col` (the text before the cursor). */
export function completionContext(line: string, col: number): CompletionContext | undefined {
  const tag = tagAt(line, col);
  if (!tag || col < tag.start + 2) return undefined;
  const before = line.slice(tag.start + 2, col);
  const m = /([A-Za-z_][\w.]*\.?|)$/.exec(before)!;
  const word = m[1];
  const start = col - word.length;
  const rest = before.slice(0, before.length - word.length).trimEnd();
  if (rest.endsWith('|')) return { kind: 'filter', parent: '', partial: word, start };
  if (/\bis(\s+not)?$/.test(rest)) return { kind: 'test', parent: '', partial: word, start };
  if (/['"]$/.test(rest) || /\d$/.test(word)) return undefined;
  const dot = word.lastIndexOf('.');
  return {
    kind: 'variable',
    parent: dot >= 0 ? word.slice(0, dot) : '',
    partial: dot >= 0 ? word.slice(dot + 1) : word,
    start: dot >= 0 ? start + dot + 1 : start,
  };
}

/** The keys one level below `parent` (nested objects included), each with a leaf example for the detail. */
export function childKeys(
  variables: readonly VariableInfo[],
  parent: string,
): Array<{ key: string; leaf?: VariableInfo }> {
  const prefix = parent ? `${parent}.` : '';
  const out = new Map<string, VariableInfo | undefined>();
  for (const v of variables) {
    if (!v.path.startsWith(prefix)) continue;
    const rest = v.path.slice(prefix.length);
    const dot = rest.indexOf('.');
    const key = dot >= 0 ? rest.slice(0, dot) : rest;
    if (!key) continue;
    if (dot >= 0) {
      if (!out.has(key)) out.set(key, undefined);
    } else out.set(key, v);
  }
  return [...out].map(([key, leaf]) => ({ key, leaf }));
}

/** The variable at a path: the leaf itself, or every leaf below it (an object). */
export function variablesAt(variables: readonly VariableInfo[], p: string): VariableInfo[] {
  const exact = variables.find((v) => v.path === p);
  if (exact) return [exact];
  return variables.filter((v) => v.path.startsWith(`${p}.`));
}

/** A template a tag or call loads: `{% include "x" %}`, `{% import "x" as y %}`, `{% from "x" import y %}`, `load_template("x")`. */
export function templateReferenceAt(line: string, col: number): (Span & { name: string }) | undefined {
  return templateReferences(line).find((r) => col >= r.start - 1 && col <= r.end + 1);
}

/** Every template a line loads, in order (the name's span, without its quotes). */
export function templateReferences(line: string): Array<Span & { name: string }> {
  const re =
    /(?:\{%-?\s*(?:include|import|from|extends)\s+|\b(?:load_template|load_sha256|load_base64|load_latest_git_commit)\(\s*)(['"])([^'"]+)\1/g;
  const out: Array<Span & { name: string }> = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    const start = m.index + m[0].length - m[2].length - 1;
    out.push({ start, end: start + m[2].length, name: m[2] });
  }
  return out;
}

/**
 * Where a template name resolves, as the engine's loader does: `./x` and `../x` relative to the file; other names in
 * the search dirs in order (here: the file's dir, then each parent dir up to the project root).
 */
export function resolveTemplate(name: string, fromFile: string, projectRoot: string): string | undefined {
  if (name.startsWith('./') || name.startsWith('../')) {
    const f = path.resolve(path.dirname(fromFile), name);
    return isInside(projectRoot, f) && isFile(f) ? f : undefined;
  }
  for (const dir of upTo(path.dirname(fromFile), projectRoot)) {
    const f = path.resolve(dir, name);
    if (isInside(projectRoot, f) && isFile(f)) return f;
  }
  return undefined;
}

/** A `path:`, `include:` or vars `file:` value on a deployment.yaml line, and the file it leads to. */
export function deploymentReferenceAt(
  line: string,
  col: number,
  fromFile: string,
  projectRoot: string,
): (Span & { key: string; value: string; target?: string }) | undefined {
  const m = /^(\s*(?:-\s+)?)(path|include|file|valuesFile|values_file)\s*:\s*(['"]?)([^'"#\s]+)\3/.exec(line);
  if (!m) return undefined;
  const start = line.indexOf(m[4], m[1].length + m[2].length);
  const end = start + m[4].length;
  if (col < start || col > end) return undefined;
  const key = m[2];
  const value = m[4];
  let target: string | undefined;
  if (key === 'file') target = resolveTemplate(value, fromFile, projectRoot);
  else {
    const dir = path.resolve(path.dirname(fromFile), value);
    if (isInside(projectRoot, dir))
      target =
        key === 'include'
          ? existing(fixPathExt(path.join(dir, 'deployment.yml')))
          : (existing(fixPathExt(path.join(dir, 'kustomization.yml'))) ??
            existing(fixPathExt(path.join(dir, 'helm-chart.yml'))) ??
            firstYaml(dir));
  }
  return { start, end, key, value, target };
}

/** From a helm-chart.yaml, its values file beside it. */
export function helmValuesFile(helmChartFile: string): string | undefined {
  return existing(fixPathExt(path.join(path.dirname(helmChartFile), 'helm-values.yml')));
}

/** Sub-directories of `dir` (for `path:`/`include:` completion), at most 500, without dot dirs. */
export function subDirectories(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .slice(0, 500)
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function* upTo(dir: string, root: string): Generator<string> {
  for (let d = dir, i = 0; i < 64; i++) {
    yield d;
    if (d === root || !isInside(root, d)) return;
    const up = path.dirname(d);
    if (up === d) return;
    d = up;
  }
}

function firstYaml(dir: string): string | undefined {
  try {
    const f = fs
      .readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()[0];
    return f ? path.join(dir, f) : undefined;
  } catch {
    return undefined;
  }
}

const existing = (f: string) => (isFile(f) ? f : undefined);

function isFile(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}
