/** Flattening a project tree into deployment items in file order (spec §2.4). */

import * as path from 'node:path';
import type { DeploymentItemConfig } from '../project/types.js';
import { relSlash } from '../project/paths.js';
import type { JsonObject } from '../../kluctl/uo/merge.js';
import { checkWhen } from '../vars/templating.js';
import { loadVarsList, type VarsLoaderContext } from '../vars/vars-loader.js';
import { isIncluded, type InclusionEntry, type InclusionOptions } from './inclusion.js';
import { projectTags, searchDirs, type DeploymentProject } from './project.js';

export interface DeploymentItem {
  project: DeploymentProject;
  config: DeploymentItemConfig;
  /** Absolute source dir of a `path` item; undefined for barriers and deleteObjects-only items. */
  dir?: string;
  /** n-th occurrence of the same dir (its render dir gets `-n`). */
  index: number;
  vars: JsonObject;
  tags: string[];
  /** The item dir relative to the source root, slash-separated (the `kluctl.io/deployment-item-dir` value). */
  relToSourceItemDir?: string;
  /** Relative render dir inside the source's render root (`relToSourceItemDir[-index]`). */
  relRenderedDir?: string;
}

export async function collectDeployments(
  ctx: VarsLoaderContext,
  root: DeploymentProject,
  inclusion: InclusionOptions,
): Promise<DeploymentItem[]> {
  const indexes = new Map<string, number>();
  const all = await collect(ctx, root, indexes);
  return all.filter((item) => {
    if (item.config.onlyRender || item.config.alwaysDeploy || item.config.barrier) return true;
    const entries: InclusionEntry[] = item.tags.map((value) => ({ type: 'tag', value }));
    if (item.relToSourceItemDir !== undefined)
      entries.push({ type: 'deploymentItemDir', value: item.relToSourceItemDir });
    return isIncluded(inclusion, entries);
  });
}

async function collect(
  ctx: VarsLoaderContext,
  project: DeploymentProject,
  indexes: Map<string, number>,
): Promise<DeploymentItem[]> {
  if (!project.whenTrue) return [];
  const out: DeploymentItem[] = [];
  const configFile = path.join(project.absDir, 'deployment.yml');
  for (const [i, config] of (project.config.deployments ?? []).entries()) {
    if (!checkWhen(config.when, project.vars, configFile)) continue;
    if (config.include !== undefined || config.git !== undefined || config.oci !== undefined) {
      const included = project.includes.get(i);
      if (!included) throw new Error(`internal error: include ${i} of ${project.absDir} was not loaded`);
      out.push(...(await collect(ctx, included, indexes)));
      if (config.barrier) out.push(await newItem(ctx, project, { barrier: true }, undefined, 0));
      continue;
    }
    let dir: string | undefined;
    let index = 0;
    if (config.path !== undefined) {
      dir = path.resolve(project.absDir, config.path);
      index = indexes.get(dir) ?? 0;
      indexes.set(dir, index + 1);
    }
    out.push(await newItem(ctx, project, config, dir, index));
  }
  return out;
}

async function newItem(
  ctx: VarsLoaderContext,
  project: DeploymentProject,
  config: DeploymentItemConfig,
  dir: string | undefined,
  index: number,
): Promise<DeploymentItem> {
  const tags = projectTags(project);
  for (const t of config.tags ?? []) if (!tags.includes(t)) tags.push(t);
  const item: DeploymentItem = { project, config, dir, index, vars: project.vars, tags };
  if (dir !== undefined) {
    item.relToSourceItemDir = relSlash(project.source.dir, dir);
    item.relRenderedDir = index === 0 ? item.relToSourceItemDir : `${item.relToSourceItemDir}-${index}`;
  }
  item.vars = await loadVarsList(
    ctx,
    project.vars,
    config.vars,
    searchDirs(project),
    path.join(project.absDir, 'deployment.yml'),
  );
  return item;
}
