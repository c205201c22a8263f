/**
 * The editor's view of a project for one target (issue #18): every problem as a diagnostic at its file and line,
 * and the variables of each scope (the root, each included project, each item with its own vars) with their
 * provenance. Always offline: the editor never contacts a cluster for this. The objects come from the engine's
 * public render API (`renderProject`), so a faster render is a faster analysis.
 */

import * as path from 'node:path';
import { type JsonObject } from '../../kluctl/uo/merge.js';
import { collectDeployments, type DeploymentItem } from '../deployment/collection.js';
import {
  buildRootVars,
  loadKluctlProject,
  selectTarget,
  type LoadedKluctlProject,
} from '../deployment/kluctl-project.js';
import { loadDeploymentProject, searchDirs, type DeploymentProject } from '../deployment/project.js';
import { GitRepoCache } from '../git/repo-cache.js';
import { parseArgs } from '../project/args.js';
import { exists, fixPathExt, gitRoot } from '../project/paths.js';
import type { Target } from '../project/types.js';
import { RenderCache } from '../render/incremental.js';
import { renderProject } from '../render/render-project.js';
import { setRenderBudget } from '../template/python/budget.js';
import type { VarsLoadEvent, VarsLoaderContext } from '../vars/vars-loader.js';
import { diagnosticsFromError, warningDiagnostics, type InsightDiagnostic } from './diagnostics.js';
import { missingNamespaceDiagnostics } from './namespaces.js';
import { provenance, rootLayers, varsLayer, type VarsLayer } from './provenance.js';
import { scopeForFile, type VarScope } from './scopes.js';

export interface AnalyzeOptions {
  projectDir: string;
  target?: string;
  /** `name=value`, as `-a`. */
  args?: string[];
  /** Render the items too (templates, Helm, kustomize); false: only load the project and its vars. */
  render?: boolean;
  kustomizeBinary?: string;
  helmBinary?: string;
  signal?: AbortSignal;
  /**
   * Steps one template render may take (see template/python/budget.ts): the editor renders as you type and wants a
   * looping template stopped with a diagnostic in seconds, not after the engine's default budget.
   */
  maxRenderSteps?: number;
  /**
   * Keep a render cache per project, target and args in this thread (module state) and render only what changed
   * since the last analysis: the editor's analyses on save, in a worker it keeps warm.
   */
  incremental?: boolean;
}

export interface TargetSummary {
  name: string;
  context?: string;
  args?: JsonObject;
}

export interface ProjectAnalysis {
  projectDir: string;
  configFile?: string;
  targets: TargetSummary[];
  /** The target analysed ('' for a project without targets). */
  target?: string;
  diagnostics: InsightDiagnostic[];
  scopes: VarScope[];
  /** Every deployment.yaml loaded, and every tag used. */
  deploymentFiles: string[];
  tags: string[];
  warnings: string[];
  objects?: number;
  /** With incremental: items whose templates were rendered anew and reused from the last analysis. */
  incrementalStats?: { templatesRendered: number; templatesReused: number };
  durationMs: number;
}

export async function analyzeProject(o: AnalyzeOptions): Promise<ProjectAnalysis> {
  return (await analyze(o)).analysis;
}

/** What templates of a scope render with: its vars and template search dirs. */
export interface ScopeContext {
  vars: JsonObject;
  searchDirs: string[];
}

/** The analysis and, by scope id, the vars context (kept out of the analysis: it may hold secrets). */
export async function analyze(
  o: AnalyzeOptions,
): Promise<{ analysis: ProjectAnalysis; contexts: Map<string, ScopeContext> }> {
  const contexts = new Map<string, ScopeContext>();
  const analysis = await withRenderSteps(o.maxRenderSteps, () => analyzeInto(o, contexts));
  return { analysis, contexts };
}

async function analyzeInto(o: AnalyzeOptions, contexts: Map<string, ScopeContext>): Promise<ProjectAnalysis> {
  const started = performance.now();
  const projectDir = path.resolve(o.projectDir);
  const sourceDir = gitRoot(projectDir) ?? projectDir;
  const configFile = fixPathExt(path.join(projectDir, '.kluctl.yml'));
  const rootDeployment = fixPathExt(path.join(projectDir, 'deployment.yml'));
  const fallbackFile = exists(rootDeployment) || !exists(configFile) ? rootDeployment : configFile;
  const out: ProjectAnalysis = {
    projectDir,
    configFile: exists(configFile) ? configFile : undefined,
    targets: [],
    diagnostics: [],
    scopes: [],
    deploymentFiles: [],
    tags: [],
    warnings: [],
    durationMs: 0,
  };
  const scopeOf = (file: string) => {
    const scope = scopeForFile(out.scopes, file);
    return scope ? scope.loaded : undefined;
  };
  const fail = (error: unknown, fallback = fallbackFile) => {
    if (o.signal?.aborted) throw error;
    out.diagnostics.push(
      ...diagnosticsFromError(error, { fallbackFile: fallback, projectRoot: sourceDir, loadedVars: scopeOf }),
    );
  };
  const done = () => {
    out.diagnostics = dedupe(out.diagnostics);
    out.durationMs = performance.now() - started;
    return out;
  };

  let external: JsonObject;
  let project: LoadedKluctlProject;
  try {
    external = parseArgs(o.args ?? []);
    project = loadKluctlProject(projectDir, external);
  } catch (error) {
    fail(error, out.configFile ?? fallbackFile);
    return done();
  }
  out.targets = project.targets.map((t) => ({ name: t.name, context: t.context, args: t.args }));
  out.warnings.push(...project.warnings);
  out.diagnostics.push(...warningDiagnostics(project.warnings, out.configFile));
  const targetName = o.target && project.targets.some((t) => t.name === o.target) ? o.target : project.targets[0]?.name;
  out.target = targetName ?? '';

  let target: Target;
  let rootVars: JsonObject;
  try {
    target = selectTarget(project, external, { targetName, contextName: '' });
    rootVars = buildRootVars(project.config, target, external);
  } catch (error) {
    fail(error, out.configFile ?? fallbackFile);
    return done();
  }
  const targetIndex = (project.config.targets ?? []).findIndex((t) => t.name === targetName);
  const layers = rootLayers(project.config, out.configFile, target, targetIndex, external);

  const events: VarsLoadEvent[] = [];
  const ctx: VarsLoaderContext = {
    gitCache: new GitRepoCache(),
    signal: o.signal,
    env: process.env,
    observe: (e) => events.push(e),
  };
  let root: DeploymentProject | undefined;
  let items: DeploymentItem[];
  try {
    root = await loadDeploymentProject(
      ctx,
      rootVars,
      { dir: sourceDir, id: 'root' },
      path.relative(sourceDir, projectDir),
    );
    items = await collectDeployments(ctx, root, {});
  } catch (error) {
    // The scopes known so far make the undefined-variable message name the loaded vars.
    out.scopes.push(rootScope(projectDir, rootVars, layers, rootDeployment));
    contexts.set('root', { vars: rootVars, searchDirs: [projectDir] });
    fail(error);
    return done();
  }
  buildScopes(out, root, items, layers, events, contexts);

  if (o.render !== false) {
    const cache = o.incremental ? renderCacheFor(JSON.stringify([projectDir, targetName, o.args ?? []])) : undefined;
    const before = cache ? { ...cache.stats } : undefined;
    try {
      const rendered = await renderProject({
        projectDir,
        target: targetName || undefined,
        args: o.args,
        env: {},
        offline: true,
        kustomizeBinary: o.kustomizeBinary,
        helmBinary: o.helmBinary,
        signal: o.signal,
        collectErrors: true,
        cache,
      });
      if (cache)
        out.incrementalStats = {
          templatesRendered: cache.stats.templatesRendered - before!.templatesRendered,
          templatesReused: cache.stats.templatesReused - before!.templatesReused,
        };
      out.objects = rendered.objects.length;
      for (const error of rendered.errors) fail(error);
      out.diagnostics.push(
        ...missingNamespaceDiagnostics(rendered.items, sourceDir, (itemDir) => deploymentFileAbove(itemDir, sourceDir)),
      );
    } catch (error) {
      fail(error);
    }
  }
  return done();
}

/** The render caches of incremental analyses, the most recently used last; a few projects at most. */
const renderCaches = new Map<string, RenderCache>();
const MAX_RENDER_CACHES = 4;

function renderCacheFor(key: string): RenderCache {
  const cache = renderCaches.get(key) ?? new RenderCache();
  renderCaches.delete(key);
  renderCaches.set(key, cache);
  while (renderCaches.size > MAX_RENDER_CACHES) renderCaches.delete(renderCaches.keys().next().value!);
  return cache;
}

/** Runs `fn` with a smaller step budget for every template render (restored after: the thread may be shared). */
export async function withRenderSteps<T>(maxSteps: number | undefined, fn: () => Promise<T>): Promise<T> {
  if (!maxSteps) return fn();
  const previous = setRenderBudget({ maxSteps });
  try {
    return await fn();
  } finally {
    setRenderBudget(previous);
  }
}

function rootScope(dir: string, vars: JsonObject, layers: VarsLayer[], deploymentFile: string): VarScope {
  return {
    id: 'root',
    label: 'root project',
    kind: 'project',
    dir,
    deploymentFile,
    loaded: [],
    variables: provenance(vars, layers),
  };
}

/** Assigns the vars events (one per source, in load order) to the project tree and its items. */
function buildScopes(
  out: ProjectAnalysis,
  root: DeploymentProject,
  items: DeploymentItem[],
  rootLayersList: VarsLayer[],
  events: VarsLoadEvent[],
  contexts: Map<string, ScopeContext>,
): void {
  let next = 0;
  const take = (n: number) => events.slice(next, (next += n));
  const projectLayers = new Map<DeploymentProject, VarsLayer[]>();
  const tags = new Set<string>();

  const walk = (p: DeploymentProject, layersIn: VarsLayer[], id: string) => {
    const file = fixPathExt(path.join(p.absDir, 'deployment.yml'));
    const own = take(p.config.vars?.length ?? 0);
    const layers = [...layersIn, ...own.map((e, i) => varsLayer(e, ['vars'], i)).filter((l) => !!l)];
    projectLayers.set(p, layers);
    if (exists(file)) out.deploymentFiles.push(file);
    for (const t of p.config.tags ?? []) tags.add(t);
    contexts.set(id, { vars: p.vars, searchDirs: searchDirs(p) });
    out.scopes.push({
      id,
      label: id === 'root' ? 'root project' : `project ${path.relative(out.projectDir, p.absDir) || '.'}`,
      kind: 'project',
      dir: p.absDir,
      deploymentFile: file,
      loaded: layers.filter((l) => l.kind === 'vars').map((l) => l.label),
      variables: provenance(p.vars, layers),
    });
    for (const [i, item] of (p.config.deployments ?? []).entries()) {
      for (const t of item.tags ?? []) tags.add(t);
      const child = p.includes.get(i);
      if (!child) continue;
      const itemLayers = take(item.vars?.length ?? 0)
        .map((e, j) => varsLayer(e, ['deployments', i, 'vars'], j))
        .filter((l) => !!l);
      const library = exists(fixPathExt(path.join(child.absDir, '.kluctl-library.yml')));
      const base: VarsLayer[] = library
        ? [
            ...(item.passVars ? layers.filter((l) => !('args' in l.value)) : []),
            {
              kind: 'includeArg',
              label: `args of include ${item.include ?? ''}`,
              value: { args: child.vars.args ?? {} },
              file,
              keyPathInFile: (k) => ['deployments', i, 'args', ...k.slice(1)],
              sensitive: false,
            },
          ]
        : layers;
      walk(child, [...base, ...itemLayers], `${id}/${i}`);
    }
  };
  walk(root, rootLayersList, 'root');

  for (const item of items) {
    const n = item.config.vars?.length ?? 0;
    if (n === 0) continue;
    const index = item.project.config.deployments?.indexOf(item.config) ?? -1;
    const own = take(n)
      .map((e, j) => varsLayer(e, ['deployments', index, 'vars'], j))
      .filter((l) => !!l);
    if (!item.dir) continue;
    const layers = [...(projectLayers.get(item.project) ?? []), ...own];
    contexts.set(`item:${item.dir}:${item.index}`, {
      vars: item.vars,
      searchDirs: [item.dir, ...searchDirs(item.project)],
    });
    out.scopes.push({
      id: `item:${item.dir}:${item.index}`,
      label: `item ${path.relative(out.projectDir, item.dir)}`,
      kind: 'item',
      dir: item.dir,
      deploymentFile: fixPathExt(path.join(item.project.absDir, 'deployment.yml')),
      loaded: layers.filter((l) => l.kind === 'vars').map((l) => l.label),
      variables: provenance(item.vars, layers),
    });
  }
  out.tags = [...tags].sort();
}

/** The deployment.yaml nearest above an item dir (the project that lists it). */
function deploymentFileAbove(itemDir: string, root: string): string | undefined {
  for (let dir = path.dirname(itemDir), i = 0; i < 64; i++) {
    const f = fixPathExt(path.join(dir, 'deployment.yml'));
    if (exists(f)) return f;
    if (dir === root || path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
  return undefined;
}

function dedupe(list: InsightDiagnostic[]): InsightDiagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
