/**
 * Variable provenance (kluctl#348): for a vars context, every variable (leaf key path) with its final value and the
 * chain of sources that set it, in load order: arg defaults of `.kluctl.yaml`, target args, command-line args, the
 * target itself, then each vars source (which file and line), with the one that gives the final value marked.
 * Values from secret sources are marked `sensitive` for the editor to mask.
 */

import * as path from 'node:path';
import { type JsonObject } from '../../kluctl/uo/merge.js';
import { isMap as isObject } from '../../util/go-values.js';
import { exists } from '../project/paths.js';
import type { KluctlProjectConfig, Target, VarsSource } from '../project/types.js';
import type { VarsLoadEvent } from '../vars/vars-loader.js';
import { locateInFile, type Position } from './locate.js';

export type OriginKind = 'argDefault' | 'targetArg' | 'externalArg' | 'includeArg' | 'target' | 'vars';

export interface VarOrigin {
  kind: OriginKind;
  /** For people: `default of arg environment`, `vars file vars/local.yml`, … */
  label: string;
  file?: string;
  /** 1-based; absent when the file is known but not the line. */
  line?: number;
  column?: number;
  value: unknown;
  sensitive: boolean;
}

export interface VariableInfo {
  /** Dotted key path, e.g. `args.environment`. */
  path: string;
  value: unknown;
  sensitive: boolean;
  origins: VarOrigin[];
  /** Index into origins of the one that gives the final value; -1 when none matches (set by a template). */
  effective: number;
}

/** One layer of the vars context as it was built: a value merged over what was there (or under, noOverride). */
export interface VarsLayer {
  kind: OriginKind;
  label: string;
  value: JsonObject;
  /** Where each key path is written: the file and the key path inside it. */
  file?: string;
  keyPathInFile?: (p: string[]) => (string | number)[];
  sensitive: boolean;
  noOverride?: boolean;
}

/** Leaves are scalars, lists and empty maps. Bounded: deeper than MAX_DEPTH or more than MAX_LEAVES is cut. */
const MAX_DEPTH = 32;
const MAX_LEAVES = 20_000;

export function leaves(
  value: unknown,
  prefix: string[] = [],
  out: Array<[string[], unknown]> = [],
): Array<[string[], unknown]> {
  if (out.length >= MAX_LEAVES) return out;
  if (isObject(value) && Object.keys(value).length > 0 && prefix.length < MAX_DEPTH) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...prefix, k], out);
  } else out.push([prefix, value]);
  return out;
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The variables of `finalVars` with the layers that built it. */
export function provenance(finalVars: JsonObject, layers: readonly VarsLayer[]): VariableInfo[] {
  const byPath = new Map<string, VarOrigin[]>();
  for (const layer of layers) {
    for (const [keys, value] of leaves(layer.value)) {
      if (keys.length === 0) continue;
      const key = keys.join('.');
      let pos: Position | undefined;
      if (layer.file && layer.keyPathInFile) pos = locateInFile(layer.file, layer.keyPathInFile(keys));
      const origin: VarOrigin = {
        kind: layer.kind,
        label: layer.label,
        file: layer.file,
        line: pos?.line,
        column: pos?.column,
        value,
        sensitive: layer.sensitive,
      };
      const list = byPath.get(key) ?? [];
      list.push(origin);
      byPath.set(key, list);
    }
  }
  const out: VariableInfo[] = [];
  for (const [keys, value] of leaves(finalVars)) {
    if (keys.length === 0) continue;
    const key = keys.join('.');
    const origins = byPath.get(key) ?? [];
    let effective = -1;
    for (let i = origins.length - 1; i >= 0; i--)
      if (same(origins[i].value, value)) {
        effective = i;
        break;
      }
    const sensitive = effective >= 0 ? origins[effective].sensitive : origins.some((o) => o.sensitive);
    out.push({ path: key, value, sensitive, origins, effective });
  }
  return out;
}

/** The layers of the root vars `{target, args}`: arg defaults, target args, external args, the target. */
export function rootLayers(
  config: KluctlProjectConfig,
  configFile: string | undefined,
  target: Target,
  targetIndex: number,
  external: JsonObject,
): VarsLayer[] {
  const layers: VarsLayer[] = [];
  (config.args ?? []).forEach((a, i) => {
    if (a.default === undefined) return;
    layers.push({
      kind: 'argDefault',
      label: `default of arg ${a.name}`,
      value: { args: nest(a.name.split('.'), a.default) },
      file: configFile,
      keyPathInFile: (p) => ['args', i, 'default', ...p.slice(1 + a.name.split('.').length)],
      sensitive: false,
    });
  });
  if (target.args && Object.keys(target.args).length)
    layers.push({
      kind: 'targetArg',
      label: `arg of target ${target.name}`,
      value: { args: target.args },
      file: configFile,
      keyPathInFile: (p) => ['targets', targetIndex, 'args', ...p.slice(1)],
      sensitive: false,
    });
  if (Object.keys(external).length)
    layers.push({ kind: 'externalArg', label: 'arg given with -a', value: { args: external }, sensitive: false });
  const { args: _args, ...targetFields } = targetJson(target);
  layers.push({
    kind: 'target',
    label: target.name ? `target ${target.name}` : 'the target (no name)',
    value: { target: targetFields },
    file: targetIndex >= 0 ? configFile : undefined,
    keyPathInFile: (p) => ['targets', targetIndex, ...p.slice(1)],
    sensitive: false,
  });
  if (target.args && Object.keys(target.args).length)
    layers.push({
      kind: 'target',
      label: `target ${target.name}`,
      value: { target: { args: target.args } },
      file: configFile,
      keyPathInFile: (p) => ['targets', targetIndex, ...p.slice(1)],
      sensitive: false,
    });
  return layers;
}

function targetJson(t: Target): JsonObject {
  const out: JsonObject = { name: t.name };
  if (t.context !== undefined) out.context = t.context;
  if (t.args && Object.keys(t.args).length) out.args = t.args;
  if (t.aws) out.aws = t.aws;
  if (t.discriminator) out.discriminator = t.discriminator;
  return out;
}

function nest(keys: string[], value: unknown): JsonObject {
  let out: unknown = value;
  for (const k of [...keys].reverse()) out = { [k]: out };
  return out as JsonObject;
}

/** Kluctl's per-type default of `sensitive` (spec §4.2); the source's own `sensitive` wins. */
const SENSITIVE_TYPES = new Set([
  'clusterSecret',
  'clusterObject',
  'systemEnvVars',
  'awsSecretsManager',
  'gcpSecretManager',
  'azureKeyVault',
  'vault',
]);

export function isSensitiveSource(type: string, source: VarsSource): boolean {
  return source.sensitive ?? SENSITIVE_TYPES.has(type);
}

/** A layer for one loaded vars source (index `index` of the `vars:` list at `listPath` in the declaring file). */
export function varsLayer(event: VarsLoadEvent, listPath: (string | number)[], index: number): VarsLayer | undefined {
  if (!event.merged) return undefined;
  const s = event.source;
  const declaring = event.where;
  const sensitive = isSensitiveSource(event.type, s);
  const targetPath = s.targetPath
    ? s.targetPath
        .replace(/^\$\.?/, '')
        .split('.')
        .filter(Boolean)
    : [];
  const base = { kind: 'vars' as const, value: event.merged, sensitive, noOverride: s.noOverride };
  if (event.type === 'file' && s.file) {
    const file = resolveVarsFile(s.file, event.searchDirs);
    if (file)
      return {
        ...base,
        label: `vars file ${s.file}`,
        file,
        keyPathInFile: (p) => p.slice(targetPath.length),
      };
  }
  if (event.type === 'values')
    return {
      ...base,
      label: `vars values in ${path.basename(declaring)}`,
      file: declaring,
      keyPathInFile: (p) => [...listPath, index, 'values', ...p.slice(targetPath.length)],
    };
  return {
    ...base,
    label: `vars ${event.type}${describeSource(event.type, s)}`,
    file: declaring,
    keyPathInFile: () => [...listPath, index],
  };
}

function describeSource(type: string, s: VarsSource): string {
  const v = (s as Record<string, unknown>)[type];
  if (type === 'git' && s.git) return ` ${s.git.url} ${s.git.path}`;
  if (isObject(v) && typeof v.name === 'string')
    return ` ${typeof v.namespace === 'string' ? v.namespace : ''}/${v.name}`;
  if (type === 'http' && s.http) return ` ${s.http.url}`;
  return '';
}

/** The file a `file:` source names, as the renderer finds it: the first search dir that has it. */
export function resolveVarsFile(file: string, searchDirs: readonly string[]): string | undefined {
  if (path.isAbsolute(file)) return file;
  for (const dir of searchDirs) {
    const f = path.join(dir, file);
    if (exists(f)) return f;
  }
  return undefined;
}
