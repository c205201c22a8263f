/**
 * The native builder: kustomize's accumulation of one kustomization (resources, generators, components, then
 * the builtin transformers in kustomize's order) and, for the top directory only, hash suffixes, name
 * references and the final clean-up.
 */

import type { KubeObject } from '../../kube/objects.js';
import { KustomizeError } from '../errors.js';
import { NeedsBinary } from './errors.js';
import type { FileLoader } from './file-loader.js';
import { generate } from './generators.js';
import { contentHash } from './hash.js';
import { lazyLine, loadKustomization } from './kustomization.js';
import { resourcesFromYaml } from './load-resources.js';
import { fixNameReferences } from './name-references.js';
import { applyPatches, applyPatchesJson6902, applyPatchesStrategicMerge } from './patches/apply.js';
import { absorbResource, appendResource } from './resource-list.js';
import type { Resource } from './resource.js';
import { applyImages } from './transformers/images.js';
import { applyCommonAnnotations, applyLabels } from './transformers/labels.js';
import { addNameAffix } from './transformers/name-affix.js';
import { setNamespace } from './transformers/namespace.js';
import { applyReplicas } from './transformers/replicas.js';
import { readYamlText } from '../yaml/kustomize.js';
import { throwIfCancelled } from '../../util/errors.js';

export interface BuildContext {
  files: FileLoader;
  signal?: AbortSignal;
}

const LOCAL_CONFIG = 'config.kubernetes.io/local-config';

/** Annotations kustomize uses internally and removes from its output, also when a resource brings them. */
const BUILD_ANNOTATIONS = new Set([
  ...[
    'previousKinds',
    'previousNames',
    'previousNamespaces',
    'prefixes',
    'suffixes',
    'allowNameChange',
    'allowKindChange',
    'refBy',
    'generatorBehavior',
    'needsHashSuffix',
    'path',
    'index',
    'seqindent',
    'id',
    'annotations-migration-resource-id',
    'helm-generated',
  ].map((a) => `internal.config.kubernetes.io/${a}`),
  'config.kubernetes.io/path',
  'config.kubernetes.io/index',
  'config.k8s.io/id',
  'config.kubernetes.io/origin',
  'alpha.config.kubernetes.io/transformations',
]);

/** The objects of the kustomization in `dir`, in kustomize's FIFO order; NeedsBinary for what it cannot build. */
export function buildNative(dir: string, ctx: BuildContext): KubeObject[] {
  let resources = accumulate(ctx.files.resolve(dir, '.'), ctx, [], undefined, []);
  for (const r of resources) {
    if (!r.needsHash) continue;
    const hash = contentHash(r.obj);
    r.storePreviousId();
    r.name = `${r.name}-${hash}`;
  }
  fixNameReferences(resources);
  resources = resources.filter((r) => {
    const local = r.annotations()[LOCAL_CONFIG];
    return local === undefined || local === 'false';
  });
  return resources.map((r) => {
    const annotations = Object.entries(r.annotations()).filter(([k]) => !BUILD_ANNOTATIONS.has(k));
    r.setStringMap('annotations', Object.fromEntries(annotations));
    return r.obj as KubeObject;
  });
}

/**
 * The resources of the kustomization in `dir`, added to `into` (a component works on its parent's resources).
 * `expect` is the kind the referencing field requires; `stack` the directories being built, against cycles.
 */
function accumulate(
  dir: string,
  ctx: BuildContext,
  into: Resource[],
  expect: 'Kustomization' | 'Component' | undefined,
  stack: string[],
): Resource[] {
  throwIfCancelled(ctx.signal, 'kustomize build');
  if (stack.includes(dir)) throw new KustomizeError(`cycle detected: ${[...stack, dir].join(' -> ')}`, dir);
  const k = loadKustomization(dir, ctx.files.fs);
  if (expect === 'Component' && k.kind !== 'Component')
    throw new KustomizeError(`expected kind 'Component' for path '${dir}' but got '${k.kind}'`, k.file);
  if (expect === 'Kustomization' && k.kind === 'Component')
    throw new KustomizeError(`expected kind != 'Component' for path '${dir}'`, k.file);
  const inner = [...stack, dir];
  let ra = into;

  k.resources.forEach((entry, i) => {
    // The line only for an error: finding it may parse the kustomization file in full (yaml/kustomize.ts).
    const from = lazyLine(k, ['resources', i]);
    const abs = ctx.files.resolve(k.dir, entry, from);
    if (isRemote(entry) && ctx.files.kind(abs) === undefined)
      throw new NeedsBinary('resources (remote)', k.file, from.line);
    const kind = ctx.files.kind(abs);
    if (kind === 'file') {
      for (const r of resourcesFromYaml(readYamlText(ctx.files.read(abs), abs), abs)) appendResource(ra, r);
    } else if (kind === 'dir') {
      for (const r of accumulate(abs, ctx, [], 'Kustomization', inner)) appendResource(ra, r);
    } else {
      throw new KustomizeError(`resource '${entry}' not found (no such file or directory: ${abs})`, k.file, from.line);
    }
  });

  for (const r of generate(k, ctx.files)) absorbResource(ra, r);

  k.components.forEach((entry, i) => {
    const abs = ctx.files.resolve(k.dir, entry, lazyLine(k, ['components', i]));
    if (ctx.files.kind(abs) !== 'dir') {
      if (isRemote(entry)) throw new NeedsBinary('components (remote)', k.file, k.lineOf(['components', i]));
      throw new KustomizeError(`component '${entry}' is not a directory`, k.file, k.lineOf(['components', i]));
    }
    const result = accumulate(abs, ctx, ra, 'Component', inner);
    ra = [];
    for (const r of result) appendResource(ra, r);
  });

  ra = applyPatchesStrategicMerge(ra, k, ctx.files);
  ra = applyPatches(ra, k, ctx.files);
  setNamespace(ra, k.namespace);
  addNameAffix(ra, k.namePrefix, 'prefix');
  addNameAffix(ra, k.nameSuffix, 'suffix');
  applyLabels(ra, k);
  applyCommonAnnotations(ra, k);
  applyPatchesJson6902(ra, k, ctx.files);
  applyReplicas(ra, k);
  applyImages(ra, k.images);
  return ra;
}

/** What kustomize would fetch: git/http URLs. */
function isRemote(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    entry.startsWith('git@') ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
    entry.includes('?ref=')
  );
}
