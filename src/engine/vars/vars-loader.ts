/** Vars sources (spec §4): each one is rendered, checked with `when`, loaded and merged into the vars context. */

import { OciArtifactCache } from '../oci/artifact.js';
import { RegistryCredentials } from '../oci/credentials.js';
import type { KubeClient } from '../../kube/client.js';
import type { ResourceMapper } from '../../kube/discovery.js';
import type { GitRepoCache } from '../git/repo-cache.js';
import { refString } from '../git/refs.js';
import { ProjectError } from '../errors.js';
import { fixPathExt } from '../project/paths.js';
import type { VarsSource } from '../project/types.js';
import { objectAtPath } from './json-path.js';
import { loadClusterObject, loadConfigMapOrSecret } from './load-cluster.js';
import { loadSystemEnvVars } from './load-env.js';
import { loadVarsFile } from './load-file.js';
import { SopsDecryptor } from '../sops/decryptor.js';
import { loadGitFiles } from './load-git-files.js';
import { loadHttp } from './load-http.js';
import { deepMerge, type JsonObject } from '../../kluctl/uo/merge.js';
import { isMap as isObject } from '../../util/go-values.js';
import { checkWhen, renderStrings } from './templating.js';

export interface VarsLoaderContext {
  /** Absent offline: cluster sources then fail. */
  client?: KubeClient;
  mapper?: ResourceMapper;
  gitCache: GitRepoCache;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Decrypts SOPS files; one is made from `env` when absent. */
  sops?: SopsDecryptor;
  /** Pulls OCI includes; one with `env`'s registry credentials (no `--registry-*` flags) is made when absent. */
  oci?: OciArtifactCache;
  /** Told about every source processed (the editor's variable provenance); one call per source, in load order. */
  observe?: (event: VarsLoadEvent) => void;
}

/** The context's OCI artifact cache (made on first use). */
export function ociOf(ctx: VarsLoaderContext): OciArtifactCache {
  const env = ctx.env ?? process.env;
  return (ctx.oci ??= new OciArtifactCache({ credentials: new RegistryCredentials(undefined, env) }));
}

/** The context's SOPS decryptor (made on first use, so every caller decrypts or fails, never passes ciphertext on). */
export function sopsOf(ctx: VarsLoaderContext): SopsDecryptor {
  return (ctx.sops ??= new SopsDecryptor({ env: ctx.env ?? process.env, signal: ctx.signal }));
}

/** One vars source as it was loaded: what it merged (absent when `when` was false or it was skipped). */
export interface VarsLoadEvent {
  /** The deployment.yml that declares the source. */
  where: string;
  type: string;
  /** The source with its strings rendered. */
  source: VarsSource;
  searchDirs: readonly string[];
  merged?: JsonObject;
}

/** Loads the sources in order into a copy of `vars` and returns it. `where` is the deployment.yml declaring them. */
export async function loadVarsList(
  ctx: VarsLoaderContext,
  vars: JsonObject,
  sources: readonly VarsSource[] | undefined,
  searchDirs: readonly string[],
  where: string,
): Promise<JsonObject> {
  if (!sources?.length) return vars; // most items: no vars, and no probe of which deployment file names them
  const file = fixPathExt(where);
  let current = vars;
  for (const source of sources ?? []) current = await loadVars(ctx, current, source, searchDirs, file);
  return current;
}

const TYPES = [
  'values',
  'file',
  'git',
  'gitFiles',
  'clusterConfigMap',
  'clusterSecret',
  'clusterObject',
  'systemEnvVars',
  'http',
  'awsSecretsManager',
  'gcpSecretManager',
  'azureKeyVault',
  'vault',
] as const;
type SourceType = (typeof TYPES)[number];

/** Loaders return this when `ignoreMissing` skipped the source entirely (nothing is merged). */
const SKIP = Symbol('skip');

async function loadVars(
  ctx: VarsLoaderContext,
  vars: JsonObject,
  sourceIn: VarsSource,
  searchDirs: readonly string[],
  file: string,
): Promise<JsonObject> {
  const types = TYPES.filter((t) => sourceIn[t] !== undefined && sourceIn[t] !== null);
  if (types.length === 0)
    throw new ProjectError(file, undefined, `unknown vars source type (one of ${TYPES.join(', ')} is needed)`);
  if (types.length > 1) throw new ProjectError(file, undefined, `more then one vars source type: ${types.join(', ')}`);
  const type = types[0];
  const source = renderStrings(sourceIn, vars, searchDirs, `${file} vars`).value;
  const observe = (merged?: JsonObject) => ctx.observe?.({ where: file, type, source, searchDirs, merged });
  if (!checkWhen(source.when, vars, `${file} vars`)) {
    observe();
    return vars;
  }

  const fail = (message: string) =>
    new ProjectError(file, undefined, `vars source ${describe(type, source)}: ${message}`);
  if (source.multidoc && !source.targetPath)
    throw fail('multidoc vars sources can only be used when targetPath is also specified');
  let loaded: unknown;
  try {
    checkRequired(type, source);
    loaded = await loadByType(ctx, vars, type, source, searchDirs);
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (loaded === SKIP) {
    observe();
    return vars;
  }

  let newVars: unknown;
  try {
    newVars = source.targetPath ? objectAtPath(source.targetPath, loaded) : (loaded ?? {});
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (!isObject(newVars)) throw fail("'targetPath' is required for this variable source");
  observe(newVars);
  return source.noOverride ? deepMerge(newVars, vars) : deepMerge(vars, newVars);
}

async function loadByType(
  ctx: VarsLoaderContext,
  vars: JsonObject,
  type: SourceType,
  source: VarsSource,
  searchDirs: readonly string[],
): Promise<unknown> {
  const ignoreMissing = source.ignoreMissing ?? false;
  switch (type) {
    case 'values':
      return source.values;
    case 'file':
      return loadVarsFile(vars, source.file!, searchDirs, ignoreMissing, source.multidoc, sopsOf(ctx));
    case 'git': {
      const dir = await ctx.gitCache.checkout(source.git!.url, source.git!.ref, ctx.signal);
      return loadVarsFile(vars, source.git!.path, [dir], ignoreMissing, source.multidoc, sopsOf(ctx));
    }
    case 'gitFiles':
      return loadGitFiles(ctx.gitCache, vars, source.gitFiles!, ignoreMissing, ctx.signal, sopsOf(ctx));
    case 'clusterConfigMap':
    case 'clusterSecret': {
      const kind = type === 'clusterSecret' ? 'Secret' : 'ConfigMap';
      const value = await loadConfigMapOrSecret(ctx, vars, source[type]!, kind, ignoreMissing, source.multidoc);
      return value === undefined ? SKIP : value;
    }
    case 'clusterObject':
      return loadClusterObject(ctx, vars, source.clusterObject!, ignoreMissing);
    case 'systemEnvVars':
      return loadSystemEnvVars(source.systemEnvVars!, ctx.env ?? process.env, ignoreMissing);
    case 'http':
      return loadHttp(source.http!, ignoreMissing, source.multidoc, ctx.signal);
    default:
      throw new Error(
        'this vars source is not supported by kluctl-ts (it needs cloud credentials; use the kluctl CLI)',
      );
  }
}

/** The fields Kluctl's validator marks as required. */
function checkRequired(type: SourceType, source: VarsSource): void {
  const need = (ok: unknown, field: string) => {
    if (ok === undefined || ok === null || ok === '') throw new Error(`${type}.${field} is required`);
  };
  switch (type) {
    case 'git':
      need(source.git!.url, 'url');
      need(source.git!.path, 'path');
      break;
    case 'gitFiles':
      need(source.gitFiles!.url, 'url');
      break;
    case 'http':
      need(source.http!.url, 'url');
      break;
    case 'clusterConfigMap':
    case 'clusterSecret':
    case 'clusterObject': {
      const ref = source[type]!;
      if (type === 'clusterObject') {
        need(source.clusterObject!.kind, 'kind');
        need(source.clusterObject!.path, 'path');
      } else {
        need(ref.namespace, 'namespace');
        need(ref.key, 'key');
      }
      const hasLabels = Object.keys(ref.labels ?? {}).length > 0;
      if (!ref.name && !hasLabels) throw new Error('either name or labels must be set');
      if (ref.name && hasLabels) throw new Error('only one of name or labels can be set');
      break;
    }
  }
}

/** How errors name a source: its type and what it points at. */
function describe(type: SourceType, s: VarsSource): string {
  const where = (ref: { namespace?: string; name?: string; labels?: Record<string, string> }) =>
    `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? `labels ${JSON.stringify(ref.labels ?? {})}`}`;
  switch (type) {
    case 'file':
      return `file ${s.file}`;
    case 'git':
      return `git ${s.git!.url}${s.git!.ref ? ` ref ${refString(s.git!.ref)}` : ''} path ${s.git!.path}`;
    case 'gitFiles':
      return `gitFiles ${s.gitFiles!.url}${s.gitFiles!.ref ? ` ref ${refString(s.gitFiles!.ref)}` : ''}`;
    case 'clusterConfigMap':
    case 'clusterSecret':
      return `${type} ${where(s[type]!)} key ${s[type]!.key}`;
    case 'clusterObject':
      return `clusterObject ${s.clusterObject!.kind} ${where(s.clusterObject!)} path ${s.clusterObject!.path}`;
    case 'http':
      return `http ${s.http!.method ?? 'GET'} ${s.http!.url}`;
    default:
      return type;
  }
}
