/** `.kluctl.yaml` loading, target rendering and target selection (spec §1). */

import * as path from 'node:path';
import { clone, deepMerge, type JsonObject } from '../../kluctl/uo/merge.js';
import { renderStrings } from '../vars/templating.js';
import { applyDefaultArgs } from '../project/args.js';
import { exists, fixPathExt } from '../project/paths.js';
import { KLUCTL_PROJECT } from '../project/schema.js';
import type { KluctlProjectConfig, Target } from '../project/types.js';
import { readYamlFile } from '../yaml/strict.js';

export interface LoadedKluctlProject {
  config: KluctlProjectConfig;
  /** The `.kluctl.yaml` read, if any. */
  configFile?: string;
  /** Rendered targets, sorted by name. */
  targets: Target[];
  /** Why a named target could not be loaded (a missing required arg, an undefined variable), by name. */
  failedTargets: Map<string, Error>;
  warnings: string[];
}

/** Kluctl's "not existent" error, with the real cause when the target exists but failed to load. */
function targetNotFound(project: LoadedKluctlProject, name: string): Error {
  const failure = project.failedTargets.get(name);
  if (!failure) return new Error(`target ${name} not existent in kluctl project config`);
  const where = project.configFile ? `${project.configFile}: ` : '';
  return new Error(`${where}target ${name} could not be loaded: ${failure.message}`);
}

export function loadKluctlProject(
  projectDir: string,
  externalArgs: JsonObject,
  configFile?: string,
): LoadedKluctlProject {
  const file = configFile ?? fixPathExt(path.join(projectDir, '.kluctl.yml'));
  const config = exists(file) ? ((readYamlFile(file, KLUCTL_PROJECT) ?? {}) as KluctlProjectConfig) : {};
  const warnings: string[] = [];
  const targets: Target[] = [];
  const failedTargets = new Map<string, Error>();
  (config.targets ?? []).forEach((t, i) => {
    if (!t.name) {
      warnings.push(`Target at index ${i} has no name`);
      return;
    }
    let target: Target;
    try {
      target = renderTarget(config, buildTarget(config, t), externalArgs);
    } catch (error) {
      warnings.push(`Failed to load target ${t.name}: ${(error as Error).message}`);
      if (!failedTargets.has(t.name)) failedTargets.set(t.name, error as Error);
      return;
    }
    if (targets.some((x) => x.name === target.name)) warnings.push(`Duplicate target ${target.name}`);
    else targets.push(target);
  });
  targets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { config, configFile: exists(file) ? file : undefined, targets, failedTargets, warnings };
}

/** Target defaults from the top level: discriminator and aws (an empty `aws: {}` when neither has one). */
function buildTarget(config: KluctlProjectConfig, t: Target): Target {
  const target = clone(t);
  target.discriminator ||= config.discriminator;
  target.aws = { ...(config.aws ?? {}), ...(t.aws ?? {}) };
  return target;
}

/** The root vars `{target, args}` (BuildVars): target args, then external args, over the declared defaults. */
export function buildRootVars(config: KluctlProjectConfig, target: Target, externalArgs: JsonObject): JsonObject {
  const args = applyDefaultArgs(config.args, deepMerge(deepMerge({}, target.args ?? {}), externalArgs));
  return { target: targetAsJson(target), args };
}

/** The target as Kluctl's JSON encoding shows it to templates (omitempty fields left out). */
export function targetAsJson(t: Target): JsonObject {
  const out: JsonObject = { name: t.name };
  if (t.context !== undefined) out.context = t.context;
  if (t.args && Object.keys(t.args).length) out.args = t.args;
  if (t.aws) out.aws = t.aws;
  if (t.images?.length) out.images = t.images;
  if (t.discriminator) out.discriminator = t.discriminator;
  return out;
}

/** Every string field is rendered with `{target, args}`, repeated (up to 10 passes) until nothing changes. */
export function renderTarget(config: KluctlProjectConfig, target: Target, externalArgs: JsonObject): Target {
  let current = target;
  let lastError: Error | undefined;
  for (let i = 0; i < 10; i++) {
    const vars = buildRootVars(config, current, externalArgs);
    try {
      const { value, changed } = renderStrings(current, vars, [], 'target');
      current = value;
      lastError = undefined;
      if (!changed) return current;
    } catch (error) {
      lastError = error as Error;
    }
  }
  if (lastError) throw lastError;
  return current;
}

export interface TargetSelection {
  targetName?: string;
  targetNameOverride?: string;
  /** The kube context actually used ('' offline), stored into `target.context` as Kluctl does. */
  contextName: string;
}

export function selectTarget(project: LoadedKluctlProject, externalArgs: JsonObject, sel: TargetSelection): Target {
  let target: Target;
  if (sel.targetName) {
    const found = project.targets.find((t) => t.name === sel.targetName);
    if (!found) throw targetNotFound(project, sel.targetName);
    target = clone(found);
  } else {
    if (project.targets.length > 0 || (project.config.targets?.length ?? 0) > 0) {
      throw new Error('a target must be explicitly selected when targets are defined in the Kluctl project');
    }
    target = { name: '', discriminator: project.config.discriminator };
  }
  if (sel.targetNameOverride) target.name = sel.targetNameOverride;
  target.context = sel.contextName;
  // The no-name target is rendered after the overrides, so `{{ target.name }}` sees the `-T` name.
  if (!sel.targetName) target = renderTarget(project.config, target, externalArgs);
  return target;
}

/** The kube context a target asks for (`--context` wins). */
export function requestedContext(
  project: LoadedKluctlProject,
  targetName: string | undefined,
  override: string | undefined,
): string | undefined {
  if (override) return override;
  if (!targetName) return undefined;
  const t = project.targets.find((x) => x.name === targetName);
  if (!t) throw targetNotFound(project, targetName);
  return t.context || undefined;
}
