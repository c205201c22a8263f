/** `patches`, `patchesStrategicMerge` and `patchesJson6902`: loading, target selection and application. */

import { KustomizeError } from '../../errors.js';
import type { FileLoader } from '../file-loader.js';
import type { Kustomization, PatchArgs, Selector } from '../kustomization.js';
import { parseLabelSelector } from '../label-selector.js';
import { resourcesFromYaml } from '../load-resources.js';
import { isClusterScopedKind, namespaceKey, parseApiVersion } from '../resid.js';
import { checkUniqueIds, resourceById } from '../resource-list.js';
import { Resource } from '../resource.js';
import { deepCopy, isPlainObject, parseYaml11 } from '../../yaml/kustomize.js';
import { applyJsonPatch, parseJsonPatch, type JsonPatchOp } from './json-patch.js';
import { strategicMerge } from './strategic-merge.js';

interface LoadedPatch {
  source: string;
  file: string;
  line?: number;
  strategic?: Resource[];
  json?: JsonPatchOp[];
}

/** The `patches` field: each entry a strategic merge patch (one or more documents) or a JSON patch. */
export function applyPatches(resources: Resource[], k: Kustomization, files: FileLoader): Resource[] {
  k.patches.forEach((args, i) => {
    const patch = loadPatch(k, files, args, ['patches', i]);
    if (patch.strategic) {
      if (args.target) {
        if (patch.strategic.length > 1) {
          throw new KustomizeError(
            `Multiple Strategic-Merge Patches in one \`patches\` entry is not allowed to set \`patches.target\` field: ${patch.source}`,
            patch.file,
            patch.line,
          );
        }
        resources = applyToSelection(resources, selectResources(resources, args.target), patch.strategic[0]);
      } else {
        for (const p of patch.strategic) applySmPatch(resourceById(resources, p.orgId()), p);
        resources = resources.filter((r) => !r.deleted);
      }
    } else if (patch.json) {
      if (!args.target)
        throw new KustomizeError(`must specify a target for JSON patch ${patch.source}`, patch.file, patch.line);
      for (const r of selectResources(resources, args.target)) {
        r.storePreviousId();
        applyJson(r, patch.json);
      }
    }
  });
  return resources;
}

/** The legacy `patchesStrategicMerge`: inline documents or files, each patch finds its object by id. */
export function applyPatchesStrategicMerge(resources: Resource[], k: Kustomization, files: FileLoader): Resource[] {
  if (k.patchesStrategicMerge.length === 0) return resources;
  const patches: Resource[] = [];
  k.patchesStrategicMerge.forEach((entry, i) => {
    const at = { file: k.file, line: k.lineOf(['patchesStrategicMerge', i]) };
    let inline: Resource[] | undefined;
    try {
      inline = resourcesFromYaml(entry, at.file);
    } catch {
      inline = undefined;
    }
    if (inline) patches.push(...inline);
    else {
      const file = files.resolve(k.dir, entry, at);
      patches.push(...resourcesFromYaml(files.read(file).toString('utf8'), file));
    }
  });
  if (patches.length === 0)
    throw new KustomizeError('patch appears to be empty', k.file, k.lineOf(['patchesStrategicMerge']));
  for (const patch of patches) resources = applyToSelection(resources, [resourceById(resources, patch.orgId())], patch);
  return resources;
}

/** The legacy `patchesJson6902`: JSON patches (JSON or YAML) for a named target. */
export function applyPatchesJson6902(resources: Resource[], k: Kustomization, files: FileLoader): void {
  k.patchesJson6902.forEach((args, i) => {
    const line = k.lineOf(['patchesJson6902', i]);
    if (!args.target?.name) throw new KustomizeError('must specify the target name', k.file, line);
    if (!args.path && !args.patch) throw new KustomizeError('empty file path and empty jsonOp', k.file, line);
    if (args.path && args.patch) throw new KustomizeError('must specify a file path or jsonOp, not both', k.file, line);
    const file = args.path ? files.resolve(k.dir, args.path, { file: k.file, line }) : k.file;
    const text = args.path ? files.read(file).toString('utf8') : args.patch!;
    const ops = parseJsonPatch(jsonPatchValue(text, file), file);
    if (ops.length === 0) throw new KustomizeError('patch appears to be empty', k.file, line);
    for (const r of selectResources(resources, args.target)) applyJson(r, ops);
  });
}

/** kustomize's Select: names and namespaces match the original or current ones, everything as anchored regexps. */
export function selectResources(resources: Resource[], s: Selector): Resource[] {
  const re = (p: string | undefined): RegExp | undefined => {
    if (!p) return undefined;
    try {
      return new RegExp(`^(?:${p})$`);
    } catch (e) {
      throw new KustomizeError(`invalid patch target regexp '${p}': ${(e as Error).message}`);
    }
  };
  const [group, version, kind, name, namespace] = [re(s.group), re(s.version), re(s.kind), re(s.name), re(s.namespace)];
  const labels = s.labelSelector ? parseLabelSelector(s.labelSelector) : undefined;
  const annotations = s.annotationSelector ? parseLabelSelector(s.annotationSelector) : undefined;
  // Every patch is matched against every resource: the parts of the current and original ids (orgId: the first
  // previous id, or the current one) are read one by one, cheapest first, not built as ids (1,000 patches of 1,000
  // resources built 2 million ids).
  return resources.filter((r) => {
    const first = r.prevIds[0] as (typeof r.prevIds)[number] | undefined;
    if (name && !name.test(first ? first.name : r.name) && !name.test(r.name)) return false;
    if (kind && !kind.test(r.kind)) return false;
    if (group || version) {
      const gv = parseApiVersion(r.apiVersion);
      if ((group && !group.test(gv.group)) || (version && !version.test(gv.version))) return false;
    }
    if (namespace) {
      // An original id has the current group and version, and its kind and (effective) namespace as stored.
      const org = first ? namespaceKey(isClusterScopedKind(r.apiVersion, first.kind), first.namespace) : undefined;
      if (!namespace.test(org ?? r.effectiveNamespace) && !namespace.test(r.effectiveNamespace)) return false;
    }
    if (labels && !labels(r.labels())) return false;
    if (annotations && !annotations(r.annotations())) return false;
    return true;
  });
}

function loadPatch(k: Kustomization, files: FileLoader, args: PatchArgs, at: (string | number)[]): LoadedPatch {
  const line = k.lineOf(at);
  const patchText = (args.patch ?? '').trim();
  if (!patchText && !args.path) throw new KustomizeError('must specify one of patch and path', k.file, line);
  if (patchText && args.path) throw new KustomizeError("patch and path can't be set at the same time", k.file, line);
  const file = args.path ? files.resolve(k.dir, args.path, { file: k.file, line }) : k.file;
  const text = args.path ? files.read(file).toString('utf8') : patchText;
  const source = args.path ? `[path: "${args.path}"]` : `[patch: ${JSON.stringify(patchText)}]`;
  let strategic: Resource[] | undefined;
  let json: JsonPatchOp[] | undefined;
  try {
    strategic = resourcesFromYaml(text, file, line);
  } catch {
    strategic = undefined;
  }
  try {
    json = text ? parseJsonPatch(jsonPatchValue(text, file), source) : undefined;
  } catch {
    json = undefined;
  }
  if (strategic?.length && json?.length)
    throw new KustomizeError(`illegally qualifies as both an SM and JSON patch: ${source}`, file, line);
  if (!strategic && !json) throw new KustomizeError(`unable to parse SM or JSON patch from ${source}`, file, line);
  if (strategic?.length === 0 && !json) return { source, file, line };
  for (const p of strategic ?? []) {
    p.allowNameChange = !!args.options?.allowNameChange;
    p.allowKindChange = !!args.options?.allowKindChange;
  }
  return {
    source,
    file,
    line,
    strategic: strategic && !json ? strategic : undefined,
    json: strategic && !json ? undefined : json,
  };
}

function jsonPatchValue(text: string, file: string): unknown {
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new KustomizeError(`invalid JSON patch: ${(e as Error).message}`, file);
    }
  }
  return parseYaml11(text, file).value;
}

/** How a patch reaches selected resources: on a copy with the target's apiVersion and normalized metadata maps. */
function applyToSelection(resources: Resource[], selected: Resource[], patch: Resource): Resource[] {
  for (const r of selected) {
    const copy = patch.clone();
    copy.setStringMap('labels', patch.labels());
    copy.setStringMap('annotations', patch.annotations());
    copy.obj.apiVersion = r.obj.apiVersion;
    applySmPatch(r, copy);
  }
  const kept = resources.filter((r) => !r.deleted);
  checkUniqueIds(kept);
  return kept;
}

function applySmPatch(r: Resource, patch: Resource): void {
  const { name, namespace, kind } = r;
  if (patch.allowNameChange || patch.allowKindChange) r.storePreviousId();
  const merged = strategicMerge(r.obj, deepCopy(patch.obj));
  if (!merged) {
    r.deleted = true;
    return;
  }
  r.obj = merged;
  if (!patch.allowKindChange) r.kind = kind;
  if (!patch.allowNameChange) r.name = name;
  r.namespace = namespace;
}

function applyJson(r: Resource, ops: JsonPatchOp[]): void {
  const result = applyJsonPatch(r.obj, ops);
  if (!isPlainObject(result))
    throw new KustomizeError('a JSON patch must leave an object', r.source.file, r.source.line);
  r.obj = result;
}
