/** Kluctl's text output of a command or validate result (spec §7.3), including its PrettyTable. */

import type { CommandResult, DeploymentError, ObjectRef, ValidateResult } from '../../kluctl/resultTypes.js';
import { refString } from '../../kluctl/objectRef.js';

export function formatCommandResultText(r: CommandResult, o: { short?: boolean; columns?: number } = {}): string {
  let out = '';
  const objects = r.objects ?? [];
  const refs = (f: (x: (typeof objects)[number]) => boolean) => objects.filter(f).map((x) => x.ref);
  if (r.warnings?.length) out += '\nWarnings:\n' + errors(r.warnings);
  const added = refs((x) => !!x.new);
  const changed = refs((x) => !!x.changes?.length);
  if (added.length) out += '\nNew objects:\n' + list(added);
  if (changed.length) {
    out += '\nChanged objects:\n' + list(changed);
    if (!o.short) {
      out += '\n';
      objects.forEach((x, i) => {
        if (!x.changes?.length) return;
        if (i !== 0) out += '\n';
        out += `Diff for object ${refString(x.ref)}\n`;
        out += prettyTable(
          [['Path', 'Diff'], ...x.changes.map((c) => [c.jsonPath, c.unifiedDiff ?? ''])],
          [60],
          o.columns,
        );
      });
    }
  }
  const deleted = refs((x) => !!x.deleted);
  const hooks = refs((x) => !!x.hook);
  const orphans = refs((x) => !!x.orphan);
  if (deleted.length) out += '\nDeleted objects:\n' + list(deleted);
  if (hooks.length) out += '\nApplied hooks:\n' + list(hooks);
  if (orphans.length) out += '\nOrphan objects:\n' + list(orphans);
  if (r.errors?.length) out += '\nErrors:\n' + errors(r.errors);
  return out;
}

export function formatValidateResultText(v: ValidateResult, columns?: number): string {
  let out = '';
  if (v.warnings?.length) out += '\nValidation Warnings:\n' + errors(v.warnings);
  if (v.errors?.length) out += (out ? '\n' : '') + 'Validation Errors:\n' + errors(v.errors);
  if (v.results?.length)
    out +=
      (out ? '\n' : '') +
      'Results:\n' +
      prettyTable([['Object', 'Message'], ...v.results.map((e) => [refString(e.ref), e.message])], [60], columns);
  return out;
}

function list(refs: ObjectRef[]): string {
  return refs.map((r) => `  ${refString(r)}\n`).join('');
}

function errors(list: DeploymentError[]): string {
  return list.map((e) => `  ${refString(e.ref) ? `${refString(e.ref)}: ` : ''}${e.message}\n`).join('');
}

/** Columns capped by limitWidths; the last uncapped column fills the terminal width; long cells wrap. */
export function prettyTable(rows: string[][], limitWidths: number[], columns = terminalWidth()): string {
  const cols = rows[0].length;
  const widths = Array.from({ length: cols }, (_, i) => {
    const w = Math.max(0, ...rows.flatMap((r) => r[i].split('\n').map((l) => l.length)));
    return i < limitWidths.length && limitWidths[i] !== -1 ? Math.min(w, limitWidths[i]) : w;
  });
  if (limitWidths.length < cols) {
    const used = widths.slice(0, cols - 1).reduce((a, b) => a + b, 0);
    widths[limitWidths.length] = Math.max(1, columns - used - (cols - 1) * 3 - 4);
  }
  const hsep = '+-' + widths.map((w) => '-'.repeat(w)).join('-+-') + '-+\n';
  let out = hsep;
  for (const row of rows) {
    const pos = new Array<number>(cols).fill(0);
    while (row.some((cell, i) => pos[i] < cell.length)) {
      out += '| ';
      for (let i = 0; i < cols; i++) {
        let x = row[i].slice(pos[i], pos[i] + widths[i]);
        const nl = x.indexOf('\n');
        if (nl !== -1) {
          x = x.slice(0, nl);
          pos[i] += 1;
        }
        pos[i] += x.length;
        out += x + ' '.repeat(widths[i] - x.length) + (i !== cols - 1 ? ' | ' : '');
      }
      out += ' |\n';
    }
    out += hsep;
  }
  return out;
}

function terminalWidth(): number {
  const c = Number.parseInt(process.env.COLUMNS ?? '', 10);
  if (!Number.isNaN(c)) return c;
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80;
}
