/** Vars sources (spec §4): each one is rendered, checked with `when`, loaded and merged into the vars context. */

import { ResourceMapper, type KubeClient, type KubeObject } from '../../kube/index.js';
import type { GitRepoCache } from '../git/repo-cache.js';
import type { ClusterObjectSource, VarsSource } from '../project/types.js';
import { parseYaml, parseYamlAll } from '../project/yaml-strict.js';
import { TemplateRenderError } from '../template/index.js';
import { clone, deepMerge, isObject, setNested, type JsonObject } from './merge.js';
import { looksLikeSops, sopsNotSupported } from './sops.js';
import { asContext, checkWhen, renderStrings, rendererFor } from './templating.js';

export interface VarsLoaderContext {
  /** Absent offline: cluster sources then fail. */
  client?: KubeClient;
  mapper?: ResourceMapper;
  gitCache: GitRepoCache;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** Loads the sources in order into a copy of `vars` and returns it. */
export async function loadVarsList(ctx: VarsLoaderContext, vars: JsonObject, sources: readonly VarsSource[] | undefined, searchDirs: readonly string[], where: string): Promise<JsonObject> {
  let current = vars;
  for (const source of sources ?? []) current = await loadVars(ctx, current, source, searchDirs, where);
  return current;
}

const TYPES = ['values', 'file', 'git', 'gitFiles', 'clusterConfigMap', 'clusterSecret', 'clusterObject', 'systemEnvVars', 'http', 'awsSecretsManager', 'gcpSecretManager', 'azureKeyVault', 'vault'] as const;

async function loadVars(ctx: VarsLoaderContext, vars: JsonObject, sourceIn: VarsSource, searchDirs: readonly string[], where: string): Promise<JsonObject> {
  const types = TYPES.filter((t) => sourceIn[t] !== undefined);
  if (types.length !== 1) throw new Error(`${where}: a vars source needs exactly one of ${TYPES.join(', ')}`);
  const source = renderStrings(sourceIn, vars, searchDirs, `${where} vars`).value;
  if (!checkWhen(source.when, vars, `${where} vars`)) return vars;
  const ignoreMissing = source.ignoreMissing ?? false;

  let loaded: unknown;
  switch (types[0]) {
    case 'values':
      loaded = source.values;
      break;
    case 'file':
      loaded = loadFile(vars, source.file!, searchDirs, ignoreMissing, source.multidoc);
      break;
    case 'git': {
      const dir = await ctx.gitCache.checkout(source.git!.url, source.git!.ref, ctx.signal);
      loaded = loadFile(vars, source.git!.path, [dir], ignoreMissing, source.multidoc);
      break;
    }
    case 'clusterConfigMap':
    case 'clusterSecret': {
      const isSecret = types[0] === 'clusterSecret';
      const ref = (isSecret ? source.clusterSecret : source.clusterConfigMap)!;
      const obj = await findClusterObject(ctx, 'v1', isSecret ? 'Secret' : 'ConfigMap', ref, ignoreMissing);
      if (!obj) return vars; // a missing object skipped by ignoreMissing is not merged at all
      const data = (obj.data ?? {}) as Record<string, string>;
      if (!ref.key || !(ref.key in data)) {
        if (ignoreMissing) return vars;
        throw new Error(`key ${ref.key} not found in ${obj.kind} ${ref.namespace}/${obj.metadata.name}`);
      }
      const text = isSecret ? Buffer.from(data[ref.key], 'base64').toString('utf8') : data[ref.key];
      loaded = parseYaml(rendererFor([]).renderString(text, asContext(vars), { name: `${obj.kind} ${obj.metadata.name}` }));
      if (ref.targetPath) loaded = placeAt(loaded, ref.targetPath);
      break;
    }
    case 'clusterObject':
      loaded = await loadClusterObject(ctx, vars, source, ignoreMissing);
      if (loaded === undefined) return vars;
      break;
    case 'systemEnvVars':
      loaded = loadSystemEnvVars(source.systemEnvVars!, ctx.env ?? process.env, ignoreMissing);
      break;
    case 'http':
      loaded = await loadHttp(vars, source.http!, ctx.signal);
      break;
    case 'gitFiles':
      throw new Error(`${where}: the gitFiles vars source is not supported yet by kluctl-ts`);
    default:
      throw new Error(`${where}: the ${types[0]} vars source is not supported by kluctl-ts (it needs cloud credentials)`);
  }

  if (source.multidoc && !source.targetPath) throw new Error(`${where}: 'targetPath' is required for multidoc vars sources`);
  if (source.targetPath) loaded = placeAt(loaded, source.targetPath);
  else if (loaded === null || loaded === undefined) loaded = {};
  if (!isObject(loaded)) throw new Error(`${where}: 'targetPath' is required for this variable source`);
  return source.noOverride ? deepMerge(loaded, vars) : deepMerge(vars, loaded);
}

function loadFile(vars: JsonObject, file: string, searchDirs: readonly string[], ignoreMissing: boolean, multidoc?: boolean): unknown {
  let rendered: string;
  try {
    rendered = rendererFor(searchDirs).renderFile(file, asContext(vars));
  } catch (error) {
    const notFound =
      (error instanceof TemplateRenderError && error.errorType === 'TemplateNotFound' && error.location === error.template) ||
      (error as Error).message.includes(`absolute path of ${file} could not be resolved`);
    if (ignoreMissing && notFound) return {};
    throw new Error(`failed to render vars file ${file}: ${(error as Error).message}`);
  }
  if (multidoc) return parseYamlAll(rendered, file);
  const value = parseYaml(rendered, file);
  if (looksLikeSops(value)) throw sopsNotSupported(file);
  return value;
}

/** A simple JSONPath (`a.b`, `$.a.b`, `a["b"]`) turned into a fresh object holding `value` at that place. */
function placeAt(value: unknown, targetPath: string): JsonObject {
  const keys: string[] = [];
  const re = /\.?([^.[\]]+)|\[["']([^"']+)["']\]|\[(\d+)\]/gy;
  const text = targetPath.replace(/^\$\.?/, '');
  for (let m = re.exec(text); m; m = re.exec(text)) keys.push(m[1] ?? m[2] ?? m[3]);
  if (keys.length === 0) throw new Error(`invalid targetPath ${targetPath}`);
  const out: JsonObject = {};
  setNested(out, keys, clone(value));
  return out;
}

async function findClusterObject(ctx: VarsLoaderContext, apiVersion: string, kind: string, ref: ClusterObjectSource, ignoreMissing: boolean): Promise<KubeObject | undefined> {
  if (!ctx.client || !ctx.mapper) throw new Error('loading vars from cluster is disabled');
  const resource = await ctx.mapper.require(apiVersion, kind, ctx.signal);
  if (ref.name) {
    try {
      return await ctx.client.requestJson<KubeObject>({ path: ResourceMapper.path(resource, ref.namespace, ref.name), signal: ctx.signal, description: `get ${kind} ${ref.namespace}/${ref.name}` });
    } catch (error) {
      if ((error as { isNotFound?: boolean }).isNotFound && ignoreMissing) return undefined;
      throw error;
    }
  }
  const selector = Object.entries(ref.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const list = await ctx.client.requestJson<{ items: KubeObject[] }>({ path: ResourceMapper.path(resource, ref.namespace), query: { labelSelector: selector }, signal: ctx.signal });
  if (list.items.length > 1) throw new Error(`found more than one objects with labels ${selector}`);
  if (list.items.length === 0) {
    if (ignoreMissing) return undefined;
    throw new Error(`no ${kind} found with labels ${selector} in namespace ${ref.namespace}`);
  }
  return { ...list.items[0], apiVersion, kind };
}

async function loadClusterObject(ctx: VarsLoaderContext, vars: JsonObject, source: VarsSource, ignoreMissing: boolean): Promise<unknown> {
  const src = source.clusterObject!;
  const obj = await findClusterObject(ctx, src.apiVersion ?? 'v1', src.kind, src, ignoreMissing);
  if (!obj) return undefined;
  const keys = src.path.replace(/^\$\.?/, '').split('.').filter(Boolean);
  let value: unknown = obj;
  for (const k of keys) {
    if (!isObject(value) || !(k in value)) {
      if (ignoreMissing) return undefined;
      throw new Error(`path ${src.path} not found in ${src.kind} ${src.namespace}/${obj.metadata.name}`);
    }
    value = value[k];
  }
  if (src.render) value = renderStrings(value, vars, [], `${src.kind} ${obj.metadata.name}`).value;
  if (src.parseYaml && typeof value === 'string') value = parseYaml(value);
  return value;
}

function loadSystemEnvVars(spec: JsonObject, env: NodeJS.ProcessEnv, ignoreMissing: boolean): JsonObject {
  const out: JsonObject = {};
  const walk = (node: unknown, keys: string[]): void => {
    if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, [...keys, k]);
      return;
    }
    if (typeof node !== 'string') throw new Error(`value at ${keys.join('.')} is not a string`);
    const colon = node.indexOf(':');
    const name = colon < 0 ? node : node.slice(0, colon);
    let text: string;
    if (env[name] !== undefined) text = env[name]!;
    else if (colon >= 0) text = node.slice(colon + 1) || '""';
    else if (ignoreMissing) return;
    else throw new Error(`environment variable ${name} not found for ${keys.join('.')}`);
    setNested(out, keys, parseYaml(text) ?? null);
  };
  walk(spec, []);
  return out;
}

async function loadHttp(vars: JsonObject, spec: NonNullable<VarsSource['http']>, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(spec.url, { method: spec.method ?? 'GET', body: spec.body, headers: spec.headers, signal });
  if (!response.ok) throw new Error(`http request to ${spec.url} failed with status code ${response.status}`);
  const text = rendererFor([]).renderString(await response.text(), asContext(vars), { name: spec.url });
  let value = parseYaml(text, spec.url);
  if (spec.jsonPath) {
    for (const k of spec.jsonPath.replace(/^\$\.?/, '').split('.').filter(Boolean)) value = isObject(value) ? value[k] : undefined;
    if (typeof value === 'string') value = parseYaml(value);
  }
  return value;
}
