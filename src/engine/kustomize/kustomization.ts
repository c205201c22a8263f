/**
 * Reads a kustomization file the way kustomize does (one of three file names, strict fields, legacy fields folded
 * into their successors) and decides whether the native builder can build it: fields outside the supported set
 * raise NeedsBinary, naming the field and the line.
 */

import { diskFs, type TreeFs } from './tree-fs.js';
import * as path from 'node:path';
import { KustomizeError } from '../errors.js';
import { NeedsBinary } from './errors.js';
import type { GvkSelector } from './resid.js';
import { isPlainObject, parseYaml11, readYamlText } from '../yaml/kustomize.js';

export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface FieldSpec extends GvkSelector {
  path: string;
  create?: boolean;
}

export interface Selector extends GvkSelector {
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

export interface PatchArgs {
  path?: string;
  patch?: string;
  target?: Selector;
  options?: { allowNameChange?: boolean; allowKindChange?: boolean };
}

export interface LabelArgs {
  pairs?: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
  fields?: FieldSpec[];
}

export interface ImageArgs {
  name?: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  tagSuffix?: string;
}

export interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

export interface GeneratorArgs {
  name?: string;
  namespace?: string;
  behavior?: string;
  literals?: string[];
  files?: string[];
  envs?: string[];
  env?: string;
  options?: GeneratorOptions;
  /** Secrets only. */
  type?: string;
}

export interface Kustomization {
  file: string;
  dir: string;
  kind: 'Kustomization' | 'Component';
  lineOf: (path: (string | number)[]) => number | undefined;
  resources: string[];
  components: string[];
  namespace: string;
  namePrefix: string;
  nameSuffix: string;
  commonLabels: Record<string, string>;
  labels: LabelArgs[];
  commonAnnotations: Record<string, string>;
  images: ImageArgs[];
  replicas: { name?: string; count?: number }[];
  patches: PatchArgs[];
  patchesStrategicMerge: string[];
  patchesJson6902: PatchArgs[];
  configMapGenerator: GeneratorArgs[];
  secretGenerator: GeneratorArgs[];
  generatorOptions?: GeneratorOptions;
}

type Spec = 'string' | 'bool' | 'int' | 'strings' | 'stringMap' | { list: Spec } | { object: Record<string, Spec> };

const FIELD_SPEC: Spec = {
  object: { group: 'string', version: 'string', kind: 'string', path: 'string', create: 'bool' },
};
const SELECTOR: Spec = {
  object: {
    group: 'string',
    version: 'string',
    kind: 'string',
    name: 'string',
    namespace: 'string',
    labelSelector: 'string',
    annotationSelector: 'string',
  },
};
const PATCH: Spec = {
  object: {
    path: 'string',
    patch: 'string',
    target: SELECTOR,
    options: { object: { allowNameChange: 'bool', allowKindChange: 'bool' } },
  },
};
const GENERATOR_OPTIONS: Spec = {
  object: { labels: 'stringMap', annotations: 'stringMap', disableNameSuffixHash: 'bool', immutable: 'bool' },
};
const GENERATOR_FIELDS: Record<string, Spec> = {
  name: 'string',
  namespace: 'string',
  behavior: 'string',
  literals: 'strings',
  files: 'strings',
  envs: 'strings',
  env: 'string',
  options: GENERATOR_OPTIONS,
};
const IMAGE: Spec = {
  object: { name: 'string', newName: 'string', newTag: 'string', digest: 'string', tagSuffix: 'string' },
};

/** What the native builder builds. */
const SUPPORTED: Record<string, Spec> = {
  apiVersion: 'string',
  kind: 'string',
  metadata: { object: { name: 'string', namespace: 'string', labels: 'stringMap', annotations: 'stringMap' } },
  resources: 'strings',
  bases: 'strings',
  components: 'strings',
  namespace: 'string',
  namePrefix: 'string',
  nameSuffix: 'string',
  commonLabels: 'stringMap',
  labels: {
    list: {
      object: { pairs: 'stringMap', includeSelectors: 'bool', includeTemplates: 'bool', fields: { list: FIELD_SPEC } },
    },
  },
  commonAnnotations: 'stringMap',
  images: { list: IMAGE },
  imageTags: { list: IMAGE },
  replicas: { list: { object: { name: 'string', count: 'int' } } },
  patches: { list: PATCH },
  patchesStrategicMerge: 'strings',
  patchesJson6902: { list: PATCH },
  configMapGenerator: { list: { object: GENERATOR_FIELDS } },
  secretGenerator: { list: { object: { ...GENERATOR_FIELDS, type: 'string' } } },
  generatorOptions: GENERATOR_OPTIONS,
};

/** The kustomization file of a directory, or undefined when it has none. */
export function findKustomizationFile(dir: string, tree: TreeFs = diskFs): string | undefined {
  const found = KUSTOMIZATION_FILE_NAMES.map((n) => path.join(dir, n)).filter((f) => tree.kind(f) === 'file');
  if (found.length > 1) throw new KustomizeError(`Found multiple kustomization files under: ${dir}`, found[0]);
  return found[0];
}

/**
 * Where a field of a kustomization is written, for an error: the line is looked up only when read, since finding it
 * may parse the file in full (yaml/kustomize.ts parseYaml11).
 */
export function lazyLine(
  k: Pick<Kustomization, 'file' | 'lineOf'>,
  at: (string | number)[],
): { file: string; line?: number } {
  return {
    file: k.file,
    get line() {
      return k.lineOf(at);
    },
  };
}

export function loadKustomization(dir: string, tree: TreeFs = diskFs): Kustomization {
  const file = findKustomizationFile(dir, tree);
  if (!file) {
    throw new KustomizeError(
      `unable to find one of ${KUSTOMIZATION_FILE_NAMES.map((n) => `'${n}'`).join(', ')} in directory '${dir}'`,
      dir,
    );
  }
  const { value, lineOf } = parseYaml11(readYamlText(tree.readFile(file), file), file);
  if (value !== null && value !== undefined && !isPlainObject(value))
    throw new KustomizeError('invalid Kustomization: not a YAML mapping', file, 1);
  const raw = value ?? {};
  checkValue(raw, { object: SUPPORTED }, [], file, lineOf);
  if (isEmpty(raw)) throw new KustomizeError('kustomization.yaml is empty', file);
  return normalize(raw, file, dir, lineOf);
}

function normalize(
  raw: Record<string, unknown>,
  file: string,
  dir: string,
  lineOf: Kustomization['lineOf'],
): Kustomization {
  const kind = (raw.kind as string | undefined) || 'Kustomization';
  if (kind !== 'Kustomization' && kind !== 'Component')
    throw new KustomizeError('kind should be Kustomization or Component', file, lineOf(['kind']));
  const requiredVersion = kind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1';
  if (raw.apiVersion && raw.apiVersion !== requiredVersion)
    throw new KustomizeError(`apiVersion for ${kind} should be ${requiredVersion}`, file, lineOf(['apiVersion']));
  // A null list element is Go's zero value: '' or an empty struct.
  const list = <T>(key: string): T[] => ((raw[key] as T[] | null | undefined) ?? []).map((x) => x ?? ({} as T));
  const strings = (key: string): string[] =>
    ((raw[key] as (string | null)[] | null | undefined) ?? []).map((x) => x ?? '');
  const generators = (key: string): GeneratorArgs[] =>
    list<GeneratorArgs>(key).map((g) => ({ ...g, envs: [...(g.envs ?? []), ...(g.env ? [g.env] : [])] }));
  return {
    file,
    dir,
    kind,
    lineOf,
    resources: [...strings('resources'), ...strings('bases')],
    components: strings('components'),
    namespace: (raw.namespace as string) ?? '',
    namePrefix: (raw.namePrefix as string) ?? '',
    nameSuffix: (raw.nameSuffix as string) ?? '',
    commonLabels: (raw.commonLabels as Record<string, string>) ?? {},
    labels: list<LabelArgs>('labels'),
    commonAnnotations: (raw.commonAnnotations as Record<string, string>) ?? {},
    images: [...list<ImageArgs>('images'), ...list<ImageArgs>('imageTags')],
    replicas: list('replicas'),
    patches: list<PatchArgs>('patches'),
    patchesStrategicMerge: strings('patchesStrategicMerge'),
    patchesJson6902: list<PatchArgs>('patchesJson6902'),
    configMapGenerator: generators('configMapGenerator'),
    secretGenerator: generators('secretGenerator'),
    generatorOptions: (raw.generatorOptions as GeneratorOptions | null) ?? undefined,
  };
}

/** kustomize refuses a kustomization with nothing set besides apiVersion/kind (an empty list or map counts as set). */
function isEmpty(raw: Record<string, unknown>): boolean {
  return Object.entries(raw).every(([key, v]) => {
    if (key === 'apiVersion' || key === 'kind') return true;
    if (key === 'bases' || key === 'imageTags') return v === null || (Array.isArray(v) && v.length === 0);
    return v === null || v === undefined || v === '' || v === false;
  });
}

/** Go's JSON decoding into the Kustomization struct: null is the zero value, wrong types and unknown keys fail. */
function checkValue(
  v: unknown,
  spec: Spec,
  at: (string | number)[],
  file: string,
  lineOf: Kustomization['lineOf'],
): void {
  if (v === null || v === undefined) return;
  const fail = (expected: string): never => {
    throw new KustomizeError(`invalid Kustomization: ${at.join('.')} must be ${expected}`, file, lineOf(at));
  };
  if (spec === 'string') {
    if (typeof v !== 'string') fail('a string');
  } else if (spec === 'bool') {
    if (typeof v !== 'boolean') fail('a boolean');
  } else if (spec === 'int') {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail('an integer');
  } else if (spec === 'strings') {
    if (!Array.isArray(v)) fail('a list of strings');
    (v as unknown[]).forEach((x, i) => checkValue(x, 'string', [...at, i], file, lineOf));
  } else if (spec === 'stringMap') {
    if (!isPlainObject(v)) fail('a map of strings');
    for (const [k, x] of Object.entries(v)) checkValue(x, 'string', [...at, k], file, lineOf);
  } else if ('list' in spec) {
    if (!Array.isArray(v)) fail('a list');
    (v as unknown[]).forEach((x, i) => checkValue(x, spec.list, [...at, i], file, lineOf));
  } else {
    if (!isPlainObject(v)) fail('a mapping');
    const obj = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(obj)) {
      // Go's JSON decoding matches field names case-insensitively.
      const name = k in spec.object ? k : Object.keys(spec.object).find((f) => f.toLowerCase() === k.toLowerCase());
      if (!name)
        throw new NeedsBinary([...at.filter((p) => typeof p === 'string'), k].join('.'), file, lineOf([...at, k]));
      checkValue(x, spec.object[name], [...at, k], file, lineOf);
      if (name !== k) {
        delete obj[k];
        obj[name] = x;
      }
    }
  }
}
