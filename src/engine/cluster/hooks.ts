/** Kluctl hooks (spec §6.3): `kluctl.io/hook*` annotations and their Helm equivalents. */

import type { KubeObject } from '../../kube/objects.js';
import { isGoBool, parseGoBool } from '../postprocess/metadata.js';
import { refOf, refString } from '../../kluctl/objectRef.js';
import type { ItemApplier } from './applier.js';

const KLUCTL_HOOKS = [
  'pre-deploy',
  'post-deploy',
  'pre-deploy-initial',
  'post-deploy-initial',
  'pre-deploy-upgrade',
  'post-deploy-upgrade',
];
const DELETE_POLICIES = ['before-hook-creation', 'hook-succeeded', 'hook-failed'];
// delete/rollback hooks are not run, but not warned about either.
const HELM_HOOKS = [
  'pre-install',
  'post-install',
  'pre-upgrade',
  'post-upgrade',
  'pre-delete',
  'post-delete',
  'pre-rollback',
  'post-rollback',
];
const HELM_TO_KLUCTL: Record<string, string> = {
  'pre-install': 'pre-deploy-initial',
  'pre-upgrade': 'pre-deploy-upgrade',
  'post-install': 'post-deploy-initial',
  'post-upgrade': 'post-deploy-upgrade',
  'pre-delete': 'pre-delete',
  'post-delete': 'post-delete',
};

export interface Hook {
  object: KubeObject;
  hooks: Set<string>;
  weight: number;
  deletePolicies: Set<string>;
  wait: boolean;
  timeoutMs?: number;
}

export type HookProblems = { error(message: string): void; warning(message: string): void };

/** The hook an object declares, or undefined for a plain object. Bad annotations are reported, as Kluctl does. */
export function hookOf(o: KubeObject, problems: HookProblems): Hook | undefined {
  const a = o.metadata.annotations ?? {};
  if (parseGoBool(a['kluctl.io/delete'])) return undefined;
  const set = (name: string) =>
    new Set(
      (a[name] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  const hooks = set('kluctl.io/hook');
  for (const h of hooks) if (!KLUCTL_HOOKS.includes(h)) problems.error(`unsupported kluctl.io/hook '${h}'`);
  const helm = set('helm.sh/hook');
  for (const h of helm) if (!HELM_HOOKS.includes(h)) problems.warning(`unsupported helm.sh/hook '${h}'`);
  for (const [from, to] of Object.entries(HELM_TO_KLUCTL)) if (helm.has(from)) hooks.add(to);

  const weightText = a['kluctl.io/hook-weight'] ?? a['helm.sh/hook-weight'] ?? '0';
  let weight = 0;
  if (/^[+-]?\d+$/.test(weightText.trim()) && Math.abs(Number(weightText)) < 2 ** 31) weight = Number(weightText);
  else problems.error(`failed to parse hook weight: strconv.ParseInt: parsing "${weightText}": invalid syntax`);

  const deletePolicies = set('kluctl.io/hook-delete-policy');
  for (const p of set('helm.sh/hook-delete-policy')) deletePolicies.add(p);
  if (deletePolicies.size === 0) deletePolicies.add('before-hook-creation');
  for (const p of deletePolicies)
    if (!DELETE_POLICIES.includes(p)) problems.error(`unsupported kluctl.io/hook-delete-policy '${p}'`);

  const waitText = a['kluctl.io/hook-wait'];
  if (waitText !== undefined && !isGoBool(waitText))
    problems.error(`strconv.ParseBool: parsing "${waitText}": invalid syntax`);
  const wait = waitText === undefined ? true : parseGoBool(waitText);
  const timeoutText = a['kluctl.io/hook-timeout'];
  const timeoutMs = timeoutText === undefined ? undefined : parseGoDuration(timeoutText);
  if (timeoutText !== undefined && timeoutMs === undefined)
    problems.error(`failed to parse duration: time: invalid duration "${timeoutText}"`);

  if (hooks.size === 0) return undefined;
  return { object: o, hooks, weight, deletePolicies, wait, timeoutMs };
}

/** Hooks of any of the given types, stable-sorted by weight. */
export function hooksOf(objects: KubeObject[], types: string[], applier: ItemApplier): Hook[] {
  const out: Hook[] = [];
  for (const o of objects) {
    const h = hookOf(o, problemsFor(applier, o));
    if (h && types.some((t) => h.hooks.has(t))) out.push(h);
  }
  return out.sort((x, y) => x.weight - y.weight);
}

export function problemsFor(applier: ItemApplier, o: KubeObject): HookProblems {
  return { error: (m) => applier.handleError(refOf(o), m), warning: (m) => applier.handleWarning(refOf(o), m) };
}

/** Persistent hooks stay after running; validate checks them like other objects. */
export function isPersistentHook(h: Hook): boolean {
  return [...h.deletePolicies].every((p) => p === 'before-hook-creation' || p === 'hook-failed');
}

/** One hook phase: delete before-hook-creation hooks, apply and wait in order, then delete by outcome in reverse. */
export async function runHooks(hooks: Hook[], a: ItemApplier): Promise<void> {
  if (a.run.aborted) return;
  const describePolicies = (h: Hook) => [...h.deletePolicies].join(',');
  const recreated = hooks.filter((h) => h.deletePolicies.has('before-hook-creation'));
  for (const [i, h] of recreated.entries()) {
    a.report(
      `Deleting hook ${refString(refOf(h.object))} due to hook-delete-policy ${describePolicies(h)} (${i + 1} of ${recreated.length})`,
    );
    await a.deleteObject(refOf(h.object), true);
  }
  const outcomes = new Map<Hook, boolean>();
  for (const [i, h] of hooks.entries()) {
    const ref = refOf(h.object);
    a.report(`Applying hook ${refString(ref)} (${i + 1} of ${hooks.length})`);
    await a.applyObject(h.object, h.deletePolicies.has('before-hook-creation'), true);
    if (a.hadError(ref) || !h.wait || a.run.options.noWait) continue;
    outcomes.set(h, await a.waitReadiness(ref, h.timeoutMs));
  }
  const after = [...hooks]
    .reverse()
    .filter(
      (h) =>
        outcomes.has(h) &&
        (outcomes.get(h) ? h.deletePolicies.has('hook-succeeded') : h.deletePolicies.has('hook-failed')),
    );
  for (const [i, h] of after.entries()) {
    a.report(
      `Deleting hook ${refString(refOf(h.object))} due to hook-delete-policy ${describePolicies(h)} (${i + 1} of ${after.length})`,
    );
    await a.deleteObject(refOf(h.object), true);
  }
}

/** Go's time.ParseDuration for the common forms ("30s", "1m30s", "500ms", "2h"). */
export function parseGoDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return pos === s.length && pos > 0 ? total : undefined;
}
