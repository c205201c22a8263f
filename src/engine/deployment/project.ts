/** Loading a deployment project tree (spec §2.2, §2.3): deployment.yaml, its vars, includes and libraries. */

import * as path from 'node:path';
import { applyDefaultArgs } from '../project/args.js';
import { ProjectError } from '../errors.js';
import { exists, fixPathExt, isDirectory, isInside, realpath, secureJoin } from '../project/paths.js';
import { DEPLOYMENT_PROJECT, KLUCTL_LIBRARY } from '../project/schema.js';
import type {
  DeploymentItemConfig,
  DeploymentProjectConfig,
  GitProject,
  KluctlProjectConfig,
} from '../project/types.js';
import { parseYaml, readYamlFile } from '../yaml/strict.js';
import { clone, deepMerge, setOwn, type JsonObject } from '../../kluctl/uo/merge.js';
import { asContext, checkWhen, rendererFor } from '../vars/templating.js';
import { loadVarsList, ociOf, type VarsLoaderContext } from '../vars/vars-loader.js';
import { isCancellation } from '../../util/errors.js';
import { validateItem } from './validate.js';

/** A root dir that paths are resolved and sandboxed against: the Git root, or a clone. */
export interface Source {
  dir: string;
  id: string;
}

export interface DeploymentProject {
  source: Source;
  relDir: string;
  absDir: string;
  config: DeploymentProjectConfig;
  /** Vars after this project's own `vars:`. */
  vars: JsonObject;
  parent?: DeploymentProject;
  /** The item of the parent that included this project. */
  parentInclude?: DeploymentItemConfig;
  includes: Map<number, DeploymentProject>;
  whenTrue: boolean;
  /** The dir and the vars it was loaded with: the same pair twice up the include chain is a cycle. */
  includeKey?: string;
}

/** Includes nested deeper than this are reported as a cycle even when their vars keep changing. */
const MAX_INCLUDE_DEPTH = 64;

/**
 * An include that repeats an ancestor (same dir, same vars: it would include itself for ever) or nests too deep is
 * an error naming the chain. The same dir with other vars is allowed (a project may include itself under `when`).
 */
function checkIncludeCycle(p: DeploymentProject): void {
  const chain: DeploymentProject[] = [];
  for (let q = p.parent; q; q = q.parent) chain.unshift(q);
  const repeated = chain.some((q) => q.includeKey === p.includeKey);
  if (!repeated && chain.length < MAX_INCLUDE_DEPTH) return;
  const names = [...chain, p].map((q) => path.join(q.absDir, 'deployment.yaml'));
  const shown = names.length > 8 ? [...names.slice(0, 3), '…', ...names.slice(-4)] : names;
  throw new ProjectError(
    names[names.length - 2],
    undefined,
    `${repeated ? 'include cycle' : `includes nested deeper than ${MAX_INCLUDE_DEPTH}`}: ${shown.join(' -> ')}`,
  );
}

export async function loadDeploymentProject(
  ctx: VarsLoaderContext,
  varsIn: JsonObject,
  source: Source,
  relDir: string,
  parent?: DeploymentProject,
  parentInclude?: DeploymentItemConfig,
): Promise<DeploymentProject> {
  // As Kluctl's securejoin: `..` stops at the source root and symlinks resolve inside it, so an include that
  // points out of the source names a dir inside it (which normally does not exist).
  const absDir = secureJoin(source.dir, relDir);
  if (!isDirectory(absDir)) throw new ProjectError(absDir, undefined, 'does not exist or is not a directory');
  // Kluctl then fails on such a namesake dir in its own ways; here it is refused outright.
  if (!isInside(source.dir, path.resolve(source.dir, relDir)))
    throw new Error(`path/include is not part of the deployment project: ${relDir}`);
  const p: DeploymentProject = {
    source,
    relDir,
    absDir,
    config: {},
    vars: clone(varsIn),
    parent,
    parentInclude,
    includes: new Map(),
    whenTrue: true,
    includeKey: `${absDir}\0${JSON.stringify(varsIn)}`,
  };
  if (parent) checkIncludeCycle(p);

  const configFile = fixPathExt(path.join(absDir, 'deployment.yml'));
  if (!exists(configFile)) {
    if (!parent) {
      p.config = { deployments: [{ path: '.' }] }; // plain kustomize mode
    } else if (exists(fixPathExt(path.join(absDir, 'kustomization.yml')))) {
      throw new Error(`deployment.yml not found but folder ${absDir} contains a kustomization.yml`);
    } else {
      throw new ProjectError(configFile, undefined, 'not found');
    }
  } else {
    // The project's own vars are not visible while its deployment.yaml is rendered.
    const rendered = rendererFor(searchDirs(p)).renderFile(configFile, asContext(p.vars));
    p.config = parseDeploymentYaml(rendered, configFile);
    (p.config.deployments ?? []).forEach((item, i) => {
      const problem = validateItem(item);
      if (problem) throw new ProjectError(configFile, undefined, `deployments[${i}]: ${problem}`);
    });
    p.vars = await loadVarsList(ctx, p.vars, p.config.vars, searchDirs(p), configFile);
    for (const item of p.config.deployments ?? []) {
      if (item.tags?.length) continue;
      const base =
        item.path !== undefined
          ? path.basename(item.path)
          : item.include !== undefined
            ? path.basename(item.include)
            : undefined;
      if (base !== undefined && base !== '.' && base !== '..') item.tags = [base];
    }
    checkItemDirs(p, configFile);
  }

  if (!parent && p.config.when)
    throw new ProjectError(configFile, undefined, "the root deployment project can not contain 'when'");
  p.whenTrue = checkWhen(p.config.when, p.vars, configFile);
  if (!p.whenTrue) return p;

  for (const [i, item] of (p.config.deployments ?? []).entries()) {
    if (!checkWhen(item.when, p.vars, configFile)) continue;
    if (item.include !== undefined) {
      p.includes.set(i, await loadInclude(ctx, p, source, path.join(relDir, item.include), item));
    } else if (item.git !== undefined) {
      const git: GitProject = typeof item.git === 'string' ? { url: item.git } : item.git;
      const dir = await ctx.gitCache.checkout(git.url, git.ref, ctx.signal).catch((error: Error) => {
        throw new ProjectError(configFile, undefined, `git include ${git.url}: ${error.message}`);
      });
      // Named by the project file, not by the checkout in the cache.
      if (!isDirectory(secureJoin(dir, git.subDir ?? '')))
        throw new ProjectError(
          configFile,
          undefined,
          `git include ${git.url}: subDir ${git.subDir ?? '.'} does not exist or is not a directory in the repository`,
        );
      p.includes.set(i, await loadInclude(ctx, p, { dir, id: `git-${path.basename(dir)}` }, git.subDir ?? '', item));
    } else if (item.oci !== undefined) {
      const oci = item.oci;
      const pulled = await ociOf(ctx)
        .extractedDir(oci.url, oci.ref, ctx.signal)
        .catch((error: Error) => {
          if (isCancellation(error)) throw error;
          // The registry client's messages start with the repository, which the prefix names already.
          const detail = error.message.startsWith(`${oci.url}: `)
            ? error.message.slice(oci.url.length + 2)
            : error.message;
          throw new ProjectError(configFile, undefined, `oci include ${oci.url}: ${detail}`, { cause: error });
        });
      if (!isDirectory(secureJoin(pulled.dir, oci.subDir ?? '')))
        throw new ProjectError(
          configFile,
          undefined,
          `oci include ${oci.url}: subDir ${oci.subDir ?? '.'} does not exist or is not a directory in the artifact`,
        );
      const id = `oci-${pulled.digest.replace(':', '-').slice(0, 20)}`;
      p.includes.set(i, await loadInclude(ctx, p, { dir: pulled.dir, id }, oci.subDir ?? '', item));
    }
  }
  return p;
}

/**
 * The parsed and validated deployment.yaml: the same text parses the same, so the last few are kept (the editor
 * loads the project again for every analysis) and handed out as copies.
 */
const parsedConfigs = new Map<string, DeploymentProjectConfig>();
const MAX_PARSED_CONFIGS = 64;

function parseDeploymentYaml(rendered: string, configFile: string): DeploymentProjectConfig {
  const key = `${configFile}\0${rendered}`;
  let config = parsedConfigs.get(key);
  if (!config) {
    config = parseYaml(rendered, configFile, DEPLOYMENT_PROJECT) ?? {};
    if (parsedConfigs.size >= MAX_PARSED_CONFIGS) parsedConfigs.delete(parsedConfigs.keys().next().value!);
    parsedConfigs.set(key, config);
  }
  return structuredClone(config);
}

/** Every `path` item (whose `when` holds, as in v2.28) must be an existing dir inside the source. */
function checkItemDirs(p: DeploymentProject, configFile: string): void {
  const realSourceDir = realpath(p.source.dir);
  for (const item of p.config.deployments ?? []) {
    if (item.path === undefined || !checkWhen(item.when, p.vars, configFile)) continue;
    // As Kluctl: the dir is checked through securejoin, where `..` stops at the source root and a symlink out of
    // the source lands inside it (normally on nothing: "does not exist"). Kluctl then renders the plainly joined
    // path; here that path must really be inside as well (a namesake inside does not let it read outside).
    const dir = secureJoin(p.source.dir, path.join(p.relDir, item.path));
    if (!exists(dir))
      throw new ProjectError(configFile, undefined, `deployment directory does not exist: ${item.path}`);
    const lexical = path.resolve(p.absDir, item.path);
    if (!isInside(p.source.dir, lexical) || !isInside(realSourceDir, realpath(lexical)))
      throw new ProjectError(configFile, undefined, `path/include is not part of the deployment project: ${item.path}`);
    if (!isDirectory(dir))
      throw new ProjectError(configFile, undefined, `deployment path is not a directory: ${item.path}`);
  }
}

/** Library projects (`.kluctl-library.yaml`) start from an empty context with only their args (spec §2.2). */
async function loadInclude(
  ctx: VarsLoaderContext,
  p: DeploymentProject,
  source: Source,
  relDir: string,
  item: DeploymentItemConfig,
): Promise<DeploymentProject> {
  let vars: JsonObject;
  const libraryFile = fixPathExt(path.join(source.dir, relDir, '.kluctl-library.yml'));
  if (exists(libraryFile)) {
    const lib = (readYamlFile(libraryFile, KLUCTL_LIBRARY) ?? {}) as Pick<KluctlProjectConfig, 'args'>;
    vars = {};
    if (item.passVars) {
      vars = clone(p.vars);
      delete vars.args; // args are taken 1:1, not merged
    }
    vars = deepMerge(vars, { args: applyDefaultArgs(lib.args, clone(item.args ?? {})) });
  } else {
    vars = clone(p.vars);
  }
  vars = await loadVarsList(ctx, vars, item.vars, searchDirs(p), path.join(p.absDir, 'deployment.yml'));
  return loadDeploymentProject(ctx, vars, source, relDir, p, item);
}

/** Chain from the project up to the root, each with the include item that led to the level below. */
export function parents(p: DeploymentProject): Array<{ project: DeploymentProject; include?: DeploymentItemConfig }> {
  const out: Array<{ project: DeploymentProject; include?: DeploymentItemConfig }> = [];
  let include: DeploymentItemConfig | undefined;
  for (let d: DeploymentProject | undefined = p; d; d = d.parent) {
    out.push({ project: d, include });
    include = d.parentInclude;
  }
  return out;
}

/** Template search dirs: this project's dir, then ancestors in the same source. */
export function searchDirs(p: DeploymentProject): string[] {
  return parents(p)
    .filter((e) => e.project.source.dir === p.source.dir)
    .map((e) => e.project.absDir);
}

export function commonLabels(p: DeploymentProject): Record<string, string> {
  return mergeStrMaps(parents(p).map((e) => e.project.config.commonLabels));
}

export function commonAnnotations(p: DeploymentProject): Record<string, string> {
  return mergeStrMaps(parents(p).map((e) => e.project.config.commonAnnotations));
}

/** Nearest-first maps merged with the nearest winning; `__proto__` stays an ordinary key (Object.assign would not). */
function mergeStrMaps(maps: Array<Record<string, string> | undefined>): Record<string, string> {
  const out: JsonObject = {};
  for (const m of [...maps].reverse()) for (const [k, v] of Object.entries(m ?? {})) setOwn(out, k, v);
  return out as Record<string, string>;
}

export function overrideNamespace(p: DeploymentProject): string | undefined {
  return parents(p).find((e) => e.project.config.overrideNamespace !== undefined)?.project.config.overrideNamespace;
}

/** Ordered, deduplicated: own project tags, then per level up the include item's and that project's tags. */
export function projectTags(p: DeploymentProject): string[] {
  const tags: string[] = [];
  const add = (list?: string[]) => list?.forEach((t) => tags.includes(t) || tags.push(t));
  for (const e of parents(p)) {
    add(e.include?.tags);
    add(e.project.config.tags);
  }
  return tags;
}
