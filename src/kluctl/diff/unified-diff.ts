/**
 * Kluctl's `unifiedDiff` text of a change: values rendered as strings (maps and lists as Go YAML), then either
 * `-old`/`+new` lines or, when a side has several lines, the unified diff of github.com/hexops/gotextdiff (its Myers
 * implementation and hunk builder, 3 context lines, `\ No newline at end of file` markers) without the `---`/`+++`
 * header.
 */

import { toGoYaml } from '../yaml/go-yaml.js';
import { goFormatFloat, toPlainJson } from '../../util/go-values.js';
import type { Change } from '../resultTypes.js';

/** Marks the absent side of an insert or delete. */
export const NOT_PRESENT = Symbol('not present');

/** How Kluctl prints one side of a change (objectToDiffableString). */
export function diffableString(value: unknown): string {
  if (value === NOT_PRESENT) return '';
  const v = toPlainJson(value);
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  // Values pass through JSON and back, so every number is a float64 when printed.
  if (typeof v === 'number') return goFormatFloat(v);
  return toGoYaml(v);
}

export function buildUnifiedDiff(oldValue: unknown, newValue: unknown): string {
  const a = diffableString(oldValue);
  const b = diffableString(newValue);
  if (a.length === 0) return prefixLines(b, '+');
  if (b.length === 0) return prefixLines(a, '-');
  if (!a.includes('\n') && !b.includes('\n')) return `-${a}\n+${b}`;
  return unifiedHunks(a, b);
}

function prefixLines(s: string, prefix: string): string {
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  return body
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** Go's strings.SplitAfter(text, "\n") without a trailing empty element. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

interface Edit {
  startLine: number; // 1-based, like gotextdiff's spans
  endLine: number;
  newText: string;
}

/** gotextdiff/myers.ComputeEdits: whole-line edits turning `before` into `after`. */
function computeEdits(before: string, after: string): Edit[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const edits: Edit[] = [];
  for (const op of operations(a, b)) {
    const span = { startLine: op.i1 + 1, endLine: op.i2 + 1 };
    if (op.kind === 'delete') edits.push({ ...span, newText: '' });
    else if (op.content.length) edits.push({ ...span, newText: op.content.join('') });
  }
  return edits;
}

interface Operation {
  kind: 'delete' | 'insert';
  i1: number;
  i2: number;
  j1: number;
  content: string[];
}

function operations(a: string[], b: string[]): Operation[] {
  const m = a.length;
  const n = b.length;
  if (m === 0 && n === 0) return [];
  const snakes = backtrack(shortestEditSequence(a, b), m, n);
  const ops: Operation[] = [];
  const add = (op: Operation | undefined, i2: number, j2: number) => {
    if (!op) return;
    op.i2 = i2;
    if (op.kind === 'insert') op.content = b.slice(op.j1, j2);
    ops.push(op);
  };
  let x = 0;
  let y = 0;
  for (const snake of snakes) {
    if (!snake) continue;
    let op: Operation | undefined;
    while (snake[0] - snake[1] > x - y) {
      op ??= { kind: 'delete', i1: x, i2: x, j1: y, content: [] };
      x++;
      if (x === m) break;
    }
    add(op, x, y);
    op = undefined;
    while (snake[0] - snake[1] < x - y) {
      op ??= { kind: 'insert', i1: x, i2: x, j1: y, content: [] };
      y++;
    }
    add(op, x, y);
    while (x < snake[0]) {
      x++;
      y++;
    }
    if (x >= m && y >= n) break;
  }
  return ops;
}

/** V of one step of the search, kept only for the diagonals that step can reach (saves memory on long texts). */
class TraceStep {
  constructor(
    private readonly values: Int32Array,
    private readonly lowK: number,
  ) {}

  at(k: number): number {
    return this.values[k - this.lowK];
  }
}

function shortestEditSequence(a: string[], b: string[]): (TraceStep | undefined)[] {
  const m = a.length;
  const n = b.length;
  const offset = n + m;
  const v = new Int32Array(2 * (n + m) + 2);
  const trace = new Array<TraceStep | undefined>(n + m + 1);
  const snapshot = (d: number) => {
    const low = Math.max(-d - 1, -offset);
    return new TraceStep(v.slice(low + offset, d + 2 + offset), low);
  };
  for (let d = 0; d <= n + m; d++) {
    for (let k = -d; k <= d; k += 2) {
      // Prefer the larger x: deletions before insertions.
      let x =
        k === -d || (k !== d && v[k - 1 + offset] < v[k + 1 + offset]) ? v[k + 1 + offset] : v[k - 1 + offset] + 1;
      let y = x - k;
      while (x < m && y < n && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + offset] = x;
      if (x === m && y === n) {
        trace[d] = snapshot(d);
        return trace;
      }
    }
    trace[d] = snapshot(d);
  }
  return [];
}

function backtrack(trace: (TraceStep | undefined)[], x: number, y: number): ([number, number] | undefined)[] {
  const snakes = new Array<[number, number] | undefined>(trace.length);
  let d = trace.length - 1;
  for (; x > 0 && y > 0 && d > 0; d--) {
    const v = trace[d];
    if (!v) continue;
    snakes[d] = [x, y];
    const k = x - y;
    const kPrev = k === -d || (k !== d && v.at(k - 1) < v.at(k + 1)) ? k + 1 : k - 1;
    x = v.at(kPrev);
    y = x - kPrev;
  }
  if (x < 0 || y < 0) return snakes;
  snakes[d] = [x, y];
  return snakes;
}

type LineKind = 'delete' | 'insert' | 'equal';

interface Hunk {
  fromLine: number;
  toLine: number;
  lines: { kind: LineKind; content: string }[];
}

const EDGE = 3;
const GAP = EDGE * 2;

/** gotextdiff.ToUnified rendered with Unified.Format, minus the two header lines. */
function unifiedHunks(before: string, after: string): string {
  const edits = computeEdits(before, after).sort((p, q) => p.startLine - q.startLine || p.endLine - q.endLine);
  const lines = splitLines(before);
  const hunks: Hunk[] = [];
  const addEqualLines = (h: Hunk, start: number, end: number): number => {
    let delta = 0;
    for (let i = start; i < end; i++) {
      if (i < 0) continue;
      if (i >= lines.length) return delta;
      h.lines.push({ kind: 'equal', content: lines[i] });
      delta++;
    }
    return delta;
  };
  let h: Hunk | undefined;
  let last = 0;
  let toLine = 0;
  for (const edit of edits) {
    const start = edit.startLine - 1;
    const end = edit.endLine - 1;
    if (h && start === last) {
      // directly extends the hunk
    } else if (h && start <= last + GAP) {
      addEqualLines(h, last, start);
    } else {
      if (h) {
        addEqualLines(h, last, last + EDGE);
        hunks.push(h);
      }
      toLine += start - last;
      h = { fromLine: start + 1, toLine: toLine + 1, lines: [] };
      const delta = addEqualLines(h, start - EDGE, start);
      h.fromLine -= delta;
      h.toLine -= delta;
    }
    last = start;
    for (let i = start; i < end; i++) {
      h.lines.push({ kind: 'delete', content: lines[i] });
      last++;
    }
    for (const line of splitLines(edit.newText)) {
      h.lines.push({ kind: 'insert', content: line });
      toLine++;
    }
  }
  if (h) {
    addEqualLines(h, last, last + EDGE);
    hunks.push(h);
  }
  return hunks.map(formatHunk).join('');
}

function formatHunk(h: Hunk): string {
  const fromCount = h.lines.filter((l) => l.kind !== 'insert').length;
  const toCount = h.lines.filter((l) => l.kind !== 'delete').length;
  let out = `@@ -${h.fromLine}${fromCount > 1 ? `,${fromCount}` : ''} +${h.toLine}${toCount > 1 ? `,${toCount}` : ''} @@\n`;
  const prefixes: Record<LineKind, string> = { delete: '-', insert: '+', equal: ' ' };
  for (const l of h.lines) {
    out += prefixes[l.kind] + l.content;
    if (!l.content.endsWith('\n')) out += '\n\\ No newline at end of file\n';
  }
  return out;
}

/** Kluctl's updateUnifiedDiff: the diff text for a change's current values. */
export function unifiedDiffOf(change: Change): string {
  switch (change.type) {
    case 'insert':
      return buildUnifiedDiff(NOT_PRESENT, change.newValue);
    case 'delete':
      return buildUnifiedDiff(change.oldValue, NOT_PRESENT);
    default:
      return buildUnifiedDiff(change.oldValue, change.newValue);
  }
}
