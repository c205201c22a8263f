/**
 * Where a key path is written in a YAML file (1-based line and column of the key), for the editor's provenance and
 * Go to Definition. Templated files are read leniently: a Jinja line that is not YAML does not stop the lookup of
 * the keys around it. Bounded: files above MAX_LOCATE_BYTES are not parsed.
 */

import * as fs from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

const MAX_LOCATE_BYTES = 2 * 1024 * 1024;

/** Parsed files, keyed by path and mtime, so a render's many lookups parse each file once. */
const cache = new Map<
  string,
  { mtimeMs: number; text: string; doc: ReturnType<typeof parseDocument>; lines: LineCounter }
>();

function parsed(file: string) {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile() || stat.size > MAX_LOCATE_BYTES) return undefined;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs) return hit;
  const text = fs.readFileSync(file, 'utf8');
  const entry = { mtimeMs: stat.mtimeMs, text, ...parseText(text) };
  if (cache.size > 500) cache.clear();
  cache.set(file, entry);
  return entry;
}

function parseText(text: string) {
  const lines = new LineCounter();
  // Lines with `{% … %}` are not YAML; blanking them keeps the line numbers and lets the rest parse.
  const yamlish = text.replace(/^[ \t]*\{[%#].*$/gm, (m) => ' '.repeat(m.length));
  const doc = parseDocument(yamlish, { lineCounter: lines, strict: false, uniqueKeys: false, prettyErrors: false });
  return { doc, lines };
}

/** The position of the key (or list item) at `keyPath` in the YAML text; the deepest found prefix otherwise. */
export function locateInText(text: string, keyPath: readonly (string | number)[]): Position | undefined {
  const { doc, lines } = parseText(text);
  return locateIn(doc.contents, lines, keyPath);
}

export function locateInFile(file: string, keyPath: readonly (string | number)[]): Position | undefined {
  const p = parsed(file);
  return p ? locateIn(p.doc.contents, p.lines, keyPath) : undefined;
}

function locateIn(root: Node | null, lines: LineCounter, keyPath: readonly (string | number)[]): Position | undefined {
  let node: Node | null | undefined = root;
  let found: Position | undefined;
  for (const seg of keyPath) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const key = pair.key as Node;
      if (key.range) found = toPosition(lines, key.range[0]);
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      if (item.range) found = toPosition(lines, item.range[0]);
      node = item;
    } else break;
  }
  return found;
}

function toPosition(lines: LineCounter, offset: number): Position {
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}

/** The first line (1-based) of the file that contains `needle`, and its column. */
export function findInFile(file: string, needle: string): Position | undefined {
  const p = parsed(file);
  if (!p || !needle) return undefined;
  const lines = p.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const col = lines[i].indexOf(needle);
    if (col >= 0) return { line: i + 1, column: col + 1 };
  }
  return undefined;
}

/** A line of a file (1-based), '' when there is none. */
export function lineOf(file: string, line: number): string {
  const p = parsed(file);
  return p?.text.split('\n')[line - 1] ?? '';
}
