/**
 * Stored results as readable Markdown documents (summary, errors, warnings, new/changed/deleted/orphan objects with
 * their changes), and validate results as a table per object. The caller passes masked results
 * (maskedResults.ts): nothing here reveals a Secret value.
 */
import { objectRefString, summarizeObjects } from '../kluctl/results.js';
import type { CommandResult, DeploymentError, ObjectRef, ValidateResult } from '../kluctl/resultTypes.js';
import type { Initiator } from './timeline.js';

export function commandResultReport(result: CommandResult, initiator?: Initiator): string {
  const info = result.command;
  const lines: string[] = [];
  const title = `${info?.command ?? 'command'}${info?.dryRun ? ' (dry run)' : ''}`;
  lines.push(`# Kluctl ${title} result`, '');
  const dep = result.kluctlDeployment;
  const rows: Array<[string, string | undefined]> = [
    ['Deployment', dep ? `${dep.namespace}/${dep.name}` : undefined],
    ['Started by', initiator ?? (info?.initiator === 'CommandLine' ? 'CLI' : info?.initiator)],
    ['Target', result.target?.name || undefined],
    ['Started', info?.startTime],
    ['Ended', info?.endTime],
    ['Commit', result.gitInfo?.commit || undefined],
    ['Result id', result.id],
    ['Reconcile id', result.reconcileId || undefined],
  ];
  lines.push('| | |', '|---|---|');
  for (const [k, v] of rows) if (v) lines.push(`| ${k} | ${cell(v)} |`);
  lines.push('');
  const groups = summarizeObjects(result);
  lines.push(
    `**${groups.new.length} new · ${groups.changed.length} changed · ${groups.deleted.length} deleted · ${groups.orphan.length} orphan · ${result.errors?.length ?? 0} errors · ${result.warnings?.length ?? 0} warnings**`,
    '',
  );
  problems(lines, 'Errors', result.errors);
  problems(lines, 'Warnings', result.warnings);
  refs(
    lines,
    'New objects',
    groups.new.map((o) => o.ref),
  );
  if (groups.changed.length > 0) {
    lines.push('## Changed objects', '');
    for (const o of groups.changed) {
      lines.push(`### ${code(objectRefString(o.ref))}`, '');
      for (const c of o.changes ?? []) {
        lines.push(`- ${code(c.jsonPath)} (${c.type})`, '', '```diff', (c.unifiedDiff ?? '').trimEnd(), '```', '');
      }
    }
  }
  refs(
    lines,
    'Deleted objects',
    groups.deleted.map((o) => o.ref),
  );
  refs(
    lines,
    'Orphan objects',
    groups.orphan.map((o) => o.ref),
  );
  refs(
    lines,
    'Applied hooks',
    groups.hooks.map((o) => o.ref),
  );
  return lines.join('\n');
}

/** Errors, warnings and per-object results of a validation, grouped by object. */
export function validateResultReport(result: ValidateResult): string {
  const lines = [`# Kluctl validate result`, ''];
  const dep = result.kluctlDeployment;
  lines.push('| | |', '|---|---|');
  if (dep) lines.push(`| Deployment | ${cell(`${dep.namespace}/${dep.name}`)} |`);
  lines.push(`| Ready | ${result.ready ? 'yes' : 'no'} |`, `| Ended | ${cell(result.endTime ?? '')} |`);
  lines.push(`| Result id | ${cell(result.id)} |`, '');
  const table = validationTable(result);
  if (table.length === 0) lines.push('No errors, warnings or results.');
  else {
    lines.push('| Object | Severity | Message |', '|---|---|---|');
    for (const row of table) lines.push(`| ${cell(row.object)} | ${row.severity} | ${cell(row.message)} |`);
  }
  return lines.join('\n');
}

export interface ValidationRow {
  object: string;
  ref?: ObjectRef;
  severity: 'error' | 'warning' | 'result';
  message: string;
}

/** Every error, warning and result of a validation, sorted by object then severity. */
export function validationTable(result: Pick<ValidateResult, 'errors' | 'warnings' | 'results'>): ValidationRow[] {
  const order = { error: 0, warning: 1, result: 2 };
  const row = (severity: ValidationRow['severity'], p: { ref?: ObjectRef; message: string }): ValidationRow => ({
    object: p.ref?.kind ? objectRefString(p.ref) : '',
    ref: p.ref?.kind ? p.ref : undefined,
    severity,
    message: p.message,
  });
  return [
    ...(result.errors ?? []).map((e) => row('error', e)),
    ...(result.warnings ?? []).map((w) => row('warning', w)),
    ...(result.results ?? []).map((r) =>
      row('result', { ref: r.ref, message: r.annotation ? `${r.annotation}: ${r.message}` : r.message }),
    ),
  ].sort((a, b) => a.object.localeCompare(b.object) || order[a.severity] - order[b.severity]);
}

function problems(lines: string[], title: string, list: DeploymentError[] | undefined): void {
  if (!list || list.length === 0) return;
  lines.push(`## ${title}`, '');
  for (const p of list) lines.push(`- ${p.ref?.kind ? `${code(objectRefString(p.ref))}: ` : ''}${p.message}`);
  lines.push('');
}

function refs(lines: string[], title: string, list: ObjectRef[]): void {
  if (list.length === 0) return;
  lines.push(`## ${title}`, '', ...list.map((r) => `- ${code(objectRefString(r))}`), '');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
