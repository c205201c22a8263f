/**
 * Kluctl's diff.ConflictResolver: after a server-side apply answered 409, decides per conflicting field whether to
 * force it (keep it in the object) or give it up (delete it from the object, warning when the values differ).
 * Rules: the project's conflictResolution entries, then those from the local object's annotations
 * (`kluctl.io/force-apply`, `-field[-N]`, `-manager[-N]`, then `kluctl.io/ignore-conflicts`, `-field[-N]`,
 * `-manager[-N]`; later rules win, so ignore beats force-apply).
 */

import type { KubeObject } from '../../kube/objects.js';
import type { ConflictResolutionConfig } from '../project/types.js';
import { annotationBool, annotationValuesMatching } from './annotations.js';
import { deepClone, isMap, jsonEqual } from '../../util/go-values.js';
import { compileGoRegexp } from '../../util/go-regexp.js';
import { deletePaths, listMatchingFields } from '../../kluctl/uo/jsonpath.js';
import { toJsonPath } from '../../kluctl/uo/key-path.js';
import {
  fieldPathsEqual,
  fieldPathString,
  iterateFieldSet,
  parseFieldsV1,
  resolveFieldPath,
  type FieldPath,
} from './managed-fields.js';
import { getNested } from '../../kluctl/uo/nested-fields.js';
import { asList, ruleMatches } from './normalize.js';
import { refOf } from '../../kluctl/objectRef.js';

/** One `details.causes[]` entry of type FieldManagerConflict from the 409 Status. */
export interface ConflictCause {
  field: string;
  message: string;
}

type Action = ConflictResolutionConfig['action'];

/** Field managers whose changes Kluctl overwrites unless told to ignore them: people editing by hand. */
const OVERWRITE_ALLOWED_MANAGERS = [/^kluctl$/, /^kluctl-.*$/, /^kubectl$/, /^kubectl-.*$/, /^rancher$/, /^k9s$/];

const ANNOTATION_RULES: { key: RegExp; action: Action; as: 'fieldPath' | 'manager' }[] = [
  { key: /^kluctl.io\/force-apply-manager(-\d*)?$/, action: 'force-apply', as: 'manager' },
  { key: /^kluctl.io\/force-apply-field(-\d*)?$/, action: 'force-apply', as: 'fieldPath' },
  { key: /^kluctl.io\/ignore-conflicts-manager(-\d*)?$/, action: 'ignore', as: 'manager' },
  { key: /^kluctl.io\/ignore-conflicts-field(-\d*)?$/, action: 'ignore', as: 'fieldPath' },
];

/**
 * The object to re-apply with force, and the warnings Kluctl reports. Throws (with Kluctl's message) when a cause
 * cannot be matched to the managed fields or to the objects.
 */
export function resolveConflicts(
  local: KubeObject,
  remote: KubeObject,
  causes: ConflictCause[],
  rules: ConflictResolutionConfig[],
): { object: KubeObject; warnings: string[] } {
  const { byField, byManager } = managersByField(remote);
  const actions = collectActions(local, remote, byManager, [...rules, ...annotationRules(local)]);
  const object = deepClone(local);
  const warnings: string[] = [];
  for (const cause of causes) {
    const mf = byField.get(cause.field);
    if (!mf) throw new Error(`${cause.message}. Could not find matching field for path '${cause.field}'`);
    if (mf.paths.length !== 1) throw new Error(`${cause.message}. Field path '${cause.field}' is ambiguous`);
    const localPath = resolveFieldPath(local, mf.paths[0]);
    if (!localPath.found) throw new Error(`${cause.message}. Field '${cause.field}' not found in local object`);
    const remotePath = resolveFieldPath(remote, mf.paths[0]);
    if (!remotePath.found) throw new Error(`${cause.message}. Field '${cause.field}' not found in remote object`);

    const localJsonPath = toJsonPath(localPath.keys);
    const action = actions.get(localJsonPath) ?? actions.get(toJsonPath(remotePath.keys));
    const ignore = action === 'ignore';
    const overwrite =
      action === 'force-apply' ||
      (!ignore && mf.managers.some((m) => OVERWRITE_ALLOWED_MANAGERS.some((rx) => rx.test(m))));
    if (overwrite) continue;

    deletePaths(localJsonPath, object);
    const localValue = getNested(local, localPath.keys);
    const remoteValue = getNested(remote, remotePath.keys);
    if (
      !ignore &&
      !jsonEqual(localValue.found ? localValue.value : undefined, remoteValue.found ? remoteValue.value : undefined)
    ) {
      warnings.push(`${cause.message}. Not updating field '${cause.field}' as we lost field ownership`);
    }
  }
  return { object, warnings };
}

interface ManagersByField {
  paths: FieldPath[];
  managers: string[];
}

function managersByField(remote: KubeObject): {
  byField: Map<string, ManagersByField>;
  byManager: Map<string, ManagersByField[]>;
} {
  const byField = new Map<string, ManagersByField>();
  const byManager = new Map<string, ManagersByField[]>();
  const entries = remote.metadata?.managedFields as unknown;
  if (!Array.isArray(entries) || !entries.every(isMap)) return { byField, byManager };
  for (const entry of entries) {
    const fields = entry.fieldsV1;
    if (fields === undefined || fields === null) continue;
    if (!isMap(fields)) throw new Error('nested value is not a map');
    const set = parseFieldsV1(fields);
    if (entry.manager === undefined) throw new Error('manager field is missing');
    if (typeof entry.manager !== 'string') throw new Error('value at manager is not a string');
    const manager = entry.manager;
    iterateFieldSet(set, (path) => {
      const key = fieldPathString(path);
      let m = byField.get(key);
      if (!m) byField.set(key, (m = { paths: [], managers: [] }));
      if (!m.paths.some((p) => fieldPathsEqual(p, path))) m.paths.push(path);
      m.managers.push(manager);
      byManager.set(manager, [...(byManager.get(manager) ?? []), m]);
    });
  }
  return { byField, byManager };
}

/** buildConflictResolutionConfigs: force-apply rules first, so the ignore rules after them win. */
function annotationRules(local: KubeObject): ConflictResolutionConfig[] {
  const out: ConflictResolutionConfig[] = [];
  for (const action of ['force-apply', 'ignore'] as const) {
    if (annotationBool(local, action === 'force-apply' ? 'kluctl.io/force-apply' : 'kluctl.io/ignore-conflicts'))
      out.push({ fieldPath: ['..'], action });
    for (const r of ANNOTATION_RULES.filter((x) => x.action === action)) {
      for (const v of annotationValuesMatching(local, r.key))
        out.push(r.as === 'manager' ? { manager: [v], action } : { fieldPath: [v], action });
    }
  }
  return out;
}

/** collectFields: the action per JSONPath of every field a rule marks (later rules overwrite earlier ones). */
function collectActions(
  local: KubeObject,
  remote: KubeObject,
  byManager: Map<string, ManagersByField[]>,
  rules: ConflictResolutionConfig[],
): Map<string, Action> {
  const result = new Map<string, Action>();
  const ref = refOf(local);
  let allLocalFields: string[] | undefined;
  for (const rule of rules) {
    if (!ruleMatches(rule, ref.group ?? '', ref.kind, ref.namespace ?? '', ref.name)) continue;
    for (const fp of asList(rule.fieldPath)) {
      for (const obj of [local, remote])
        for (const f of listMatchingFields(fp, obj)) result.set(toJsonPath(f), rule.action);
    }
    for (const rx of asList(rule.fieldPathRegex)) {
      const regex = compileGoRegexp(rx);
      // Kluctl means local and remote fields here but lists the local ones twice.
      allLocalFields ??= listMatchingFields('..', local).map(toJsonPath);
      for (const f of allLocalFields) if (regex.test(f)) result.set(f, rule.action);
    }
    for (const m of asList(rule.manager)) {
      const regex = compileGoRegexp(m);
      for (const [manager, entries] of byManager) {
        if (!regex.test(manager)) continue;
        for (const entry of entries) {
          for (const p of entry.paths) {
            const r = resolveFieldPath(remote, p);
            if (r.found) result.set(toJsonPath(r.keys), rule.action);
          }
        }
      }
    }
  }
  return result;
}
