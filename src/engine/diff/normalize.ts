/**
 * Kluctl's diff.NormalizeObject: drops fields that only produce noise in diffs, turns container env lists into maps,
 * and applies the ignoreForDiff rules plus the `kluctl.io/ignore-diff*` annotations of the local object.
 */

import type { KubeObject } from '../../kube/objects.js';
import type { IgnoreForDiffConfig } from '../project/types.js';
import { annotationBool, annotationValuesMatching } from './annotations.js';
import { asGoPointer, deepClone, goNilSlice, isMap, type JsonMap } from '../../util/go-values.js';
import { compileGoRegexp } from '../../util/go-regexp.js';
import { deletePaths } from '../../kluctl/uo/jsonpath.js';
import { JsonPathError, parseJsonPath } from '../../kluctl/uo/jsonpath-parse.js';
import { getNested, removeFieldsByPathRegex, setNested, tryRemoveNested } from '../../kluctl/uo/nested-fields.js';
import { refOf } from '../../kluctl/objectRef.js';

const IGNORE_DIFF_FIELD = /^kluctl.io\/ignore-diff-field(-\d*)?$/;
const IGNORE_DIFF_FIELD_REGEX = /^kluctl.io\/ignore-diff-field-regex(-\d*)?$/;

/** Returns a normalised copy; `{}` when the local object carries `kluctl.io/ignore-diff: "true"`. */
export function normalizeObject(
  obj: KubeObject,
  ignoreForDiff: IgnoreForDiffConfig[],
  localObject: KubeObject,
): KubeObject {
  const ref = refOf(obj);
  const o = deepClone(obj) as unknown as JsonMap;
  normalizeMetadata(o);
  normalizeMisc(o);
  switch (ref.kind) {
    // "job" (lowercase) is Kluctl's spelling: real Jobs are not covered.
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'job':
      for (const c of objectList(o, ['spec', 'template', 'spec', 'containers'])) normalizeEnv(c);
      break;
    case 'Secret':
    case 'ConfigMap':
      normalizeData(o);
      break;
    case 'ServiceAccount':
      normalizeServiceAccount(o);
      break;
  }

  if (annotationBool(localObject, 'kluctl.io/ignore-diff')) return {} as KubeObject;

  const rules: IgnoreForDiffConfig[] = [
    ...ignoreForDiff,
    ...annotationValuesMatching(localObject, IGNORE_DIFF_FIELD).map((fieldPath) => ({ fieldPath: [fieldPath] })),
    ...annotationValuesMatching(localObject, IGNORE_DIFF_FIELD_REGEX).map((fieldPathRegex) => ({
      fieldPathRegex: [fieldPathRegex],
    })),
  ];
  for (const rule of rules) {
    if (!ruleMatches(rule, ref.group ?? '', ref.kind, ref.namespace ?? '', ref.name)) continue;
    for (const fp of asList(rule.fieldPath)) {
      const expr = parseJsonPath(fp);
      try {
        deletePaths(expr, o);
      } catch (e) {
        if (!(e instanceof JsonPathError)) throw e;
      }
    }
    for (const rx of asList(rule.fieldPathRegex)) removeFieldsByPathRegex(o, compileGoRegexp(rx));
  }
  return o as unknown as KubeObject;
}

export function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Kluctl's filter of a rule by group/kind/namespace/name; an empty object value matches any filter. */
export function ruleMatches(
  rule: { group?: string; kind?: string; namespace?: string; name?: string },
  group: string,
  kind: string,
  namespace: string,
  name: string,
): boolean {
  const check = (v: string, m: string | undefined) => v === '' || m === undefined || v === m;
  return (
    check(group, rule.group) && check(kind, rule.kind) && check(namespace, rule.namespace) && check(name, rule.name)
  );
}

function normalizeMetadata(o: JsonMap): void {
  tryRemoveNested(o, ['metadata', 'managedFields']);
  tryRemoveNested(o, ['metadata', 'annotations', 'kubectl.kubernetes.io/last-applied-configuration']);
  for (const f of ['creationTimestamp', 'generation', 'resourceVersion', 'selfLink', 'uid'])
    tryRemoveNested(o, ['metadata', f]);
  for (const f of ['labels', 'annotations']) {
    const cur = getNested(o, ['metadata', f]);
    if (!cur.found || cur.value === null) setNested(o, {}, ['metadata', f]);
  }
}

function normalizeMisc(o: JsonMap): void {
  for (const label of ['controller-uid', 'batch.kubernetes.io/controller-uid']) {
    tryRemoveNested(o, ['spec', 'template', 'metadata', 'labels', label]);
    tryRemoveNested(o, ['spec', 'selector', 'matchLabels', label]);
  }
  tryRemoveNested(o, ['status']);
}

/** GetNestedObjectListNoErr: the list's maps, or nothing when it is missing or holds a non-map. */
function objectList(o: unknown, keys: string[]): JsonMap[] {
  const l = getNested(o, keys);
  if (!l.found || !Array.isArray(l.value) || !l.value.every(isMap)) return [];
  return l.value;
}

function normalizeEnv(container: JsonMap): void {
  const env = objectList(container, ['env']);
  if (env.length && env.every((e) => typeof e.name === 'string')) {
    container.env = Object.fromEntries(env.map((e) => [e.name as string, e]));
  }
  const envFrom = objectList(container, ['envFrom']);
  if (envFrom.length) {
    // Kluctl stores these entries as *UnstructuredObject, which changes how they diff (see structural-diff.ts).
    const m: JsonMap = {};
    for (const e of envFrom) {
      let key = '';
      for (const t of ['configMapRef', 'secretRef']) {
        const name = getNested(e, [t, 'name']);
        if (name.found && typeof name.value === 'string') key = `${t}/${name.value}`;
      }
      if (key) m[key] = asGoPointer(e);
      else ((m.unknown ??= []) as unknown[]).push(asGoPointer(e));
    }
    container.envFrom = m;
  }
}

function normalizeData(o: JsonMap): void {
  const data = getNested(o, ['data']);
  if (data.found && (data.value === null || (isMap(data.value) && Object.keys(data.value).length === 0))) delete o.data;
}

/** Drops the auto-generated token secrets (`<serviceaccount>-…`) from `secrets`. */
function normalizeServiceAccount(o: JsonMap): void {
  const name = getNested(o, ['metadata', 'name']);
  if (!name.found || typeof name.value !== 'string') return;
  const secrets = getNested(o, ['secrets']);
  if (!secrets.found || !Array.isArray(secrets.value) || !secrets.value.every(isMap)) return;
  const kept = secrets.value
    .filter((s) => typeof s.name === 'string' && !s.name.startsWith(`${String(name.value)}-`))
    .map(asGoPointer);
  o.secrets = kept.length ? kept : goNilSlice();
}
