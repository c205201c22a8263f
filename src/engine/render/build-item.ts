/** One deployment item through the stages of spec §2.5: templates, Helm charts, kustomize, post-processing. */

import type { ConflictResolutionConfig, IgnoreForDiffConfig, ObjectRefConfig } from '../project/types.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../../kube/objects.js';
import type { DeploymentItem } from '../deployment/collection.js';
import type { GitRepoCache } from '../git/repo-cache.js';
import type { RegistryClient } from '../oci/client.js';
import type { HelmAuthProvider } from '../helm/credentials.js';
import { overrideNamespace, parents } from '../deployment/project.js';
import { helmOutput, isHelmChartFile, isHelmValuesFile, readHelmChart, renderHelmChart } from '../helm/helm-chart.js';
import { ProjectError } from '../errors.js';
import type { MemTree } from './mem-tree.js';
import type { FileDeps } from './incremental.js';
import type { KustomizedItem, RenderCache } from './incremental.js';
import { applyMetadata, itemMetadata, parseGoBool, withListItems } from '../postprocess/metadata.js';
import { hasImagePlaceholder, resolveImagePlaceholders, type ImageResolver } from '../postprocess/images.js';
import { isMap as isObject } from '../../util/go-values.js';
import { parseYaml11 } from '../yaml/kustomize.js';
import type { ClusterConnection } from './cluster.js';
import { findKustomizeBinary } from '../kustomize/binary.js';
import { generateKustomization } from '../kustomize/generate.js';
import { kustomizeBuild } from '../kustomize/index.js';
import { renderDirectory } from './render-dir.js';
import { toGoYaml } from '../../kluctl/yaml/go-yaml.js';
import { withSopsKeys, type SopsDecryptor } from '../sops/decryptor.js';
import { decodeUtf8File } from '../yaml/strict.js';

export interface BuildItemOptions {
  /** The root of the rendered tree (a path inside `tree`, not on disk). */
  renderDir: string;
  tree: MemTree;
  /** Also write each item's `.rendered.yml` into the tree (for --render-output-dir), as Kluctl does. */
  writeRenderedYaml?: boolean;
  /** Reuses what an earlier render of the same project computed for unchanged items. */
  cache?: RenderCache;
  discriminator?: string;
  cluster?: ClusterConnection;
  kubernetesVersion?: string;
  kustomizeBinary?: string;
  helmBinary?: string;
  gitCache?: GitRepoCache;
  /** Repository credentials for charts pulled on demand. */
  helmAuth?: HelmAuthProvider;
  /** The registry client for `oci://` charts pulled on demand. */
  registry?: RegistryClient;
  images: ImageResolver;
  searchDirs: string[];
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  /** Helm's `.Capabilities`, from the cluster. */
  kubeVersion?: string;
  apiVersions?: string[];
  signal?: AbortSignal;
  /** Decrypts SOPS files that kustomize reads and Helm values (one per render, caching data keys). */
  sops: SopsDecryptor;
}

export function renderedDirOf(item: DeploymentItem, renderDir: string): string | undefined {
  return item.relRenderedDir === undefined
    ? undefined
    : path.join(renderDir, item.project.source.id, item.relRenderedDir);
}

/** Stage 1: Jinja2 over the whole item dir. */
export function renderItemTemplates(item: DeploymentItem, o: BuildItemOptions): void {
  const target = renderedDirOf(item, o.renderDir);
  if (!item.dir || !target) return;
  const itemDir = item.dir;
  const searchDirs = [item.dir, ...o.searchDirs];
  const render = (deps?: FileDeps) =>
    renderDirectory({
      sourceRoot: item.project.source.dir,
      itemDir,
      targetDir: target,
      tree: o.tree,
      searchDirs,
      vars: item.vars,
      deps,
    });
  if (!o.cache) return render();
  const inputs = [itemDir, target, searchDirs, item.project.source.dir, o.cache.digestOf(item.vars)];
  o.cache.renderTemplates(cacheKey(item), inputs, o.tree, target, render);
}

const cacheKey = (item: DeploymentItem) => `${item.project.source.id}\0${item.relRenderedDir}`;

/** Stage 2: every helm-chart.yaml anywhere in the rendered dir. */
export async function renderItemHelmCharts(item: DeploymentItem, o: BuildItemOptions): Promise<void> {
  const rendered = renderedDirOf(item, o.renderDir);
  if (!item.dir || !rendered) return;
  for (const chartFile of findFiles(o.tree, rendered, isHelmChartFile)) {
    const subDir = path.relative(rendered, path.dirname(chartFile));
    const config = readHelmChart(chartFile, treeText(o.tree, chartFile));
    const kustomization = readKustomization(o.tree, path.dirname(chartFile));
    if (kustomization && !((kustomization.resources as unknown[] | undefined) ?? []).includes(helmOutput(config))) {
      throw new ProjectError(
        `${item.relRenderedDir}/kustomization.yaml`,
        undefined,
        `does not include the rendered helm chart: ${helmOutput(config)}`,
      );
    }
    await onDisk(o, path.dirname(chartFile), false, async (diskDir) => {
      const diskChart = path.join(diskDir, path.basename(chartFile));
      await renderHelmChart({
        renderedDir: path.join(diskDir, path.relative(path.dirname(chartFile), rendered)),
        chartFile: diskChart,
        helmChartsDirs: helmChartsDirs(item, path.join(item.dir!, subDir)),
        sourceDir: path.join(item.dir!, subDir),
        sourceRoot: item.project.source.dir,
        kubeVersion: o.kubernetesVersion ?? o.kubeVersion,
        apiVersions: o.apiVersions,
        helmBinary: o.helmBinary,
        gitCache: o.gitCache,
        signal: o.signal,
        sops: o.sops,
        helmAuth: o.helmAuth,
        registry: o.registry,
      });
      const output = helmOutput(config);
      o.tree.writeFile(path.join(path.dirname(chartFile), output), fs.readFileSync(path.join(diskDir, output)));
    });
  }
}

/**
 * Runs `fn` on a copy on disk of the tree's `dir` (recursive, or its files only), for what needs real files (the
 * helm binary); paths in its errors are named back as the tree's. The copy is removed afterwards.
 */
async function onDisk(
  o: BuildItemOptions,
  dir: string,
  recursive: boolean,
  fn: (diskDir: string) => Promise<void>,
): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-ts-rendered-'));
  const diskDir = path.join(tmp, path.relative(o.renderDir, dir));
  try {
    if (recursive) o.tree.writeToDisk(dir, diskDir);
    else {
      fs.mkdirSync(diskDir, { recursive: true });
      for (const e of o.tree.readdir(dir))
        if (e.isFile) fs.writeFileSync(path.join(diskDir, e.name), o.tree.readFile(path.join(dir, e.name)));
    }
    await fn(diskDir);
  } catch (error) {
    if (error instanceof Error) {
      error.message = error.message.split(tmp).join(o.renderDir);
      if (error.stack) error.stack = `${error.name}: ${error.message}`;
    }
    throw error;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `.helm-charts` dirs from the chart's dir up to the source root, nearest first (v2.28); v2.22.1 only looks at the root project's. */
function helmChartsDirs(item: DeploymentItem, chartSourceDir: string): string[] {
  const out: string[] = [];
  for (let d = chartSourceDir; ; d = path.dirname(d)) {
    out.push(path.join(d, '.helm-charts'));
    if (d === item.project.source.dir || path.dirname(d) === d) break;
  }
  return out;
}

/** One deployment item rendered: its objects and what deploy needs besides them. */
export interface RenderedItem {
  /** Slash-separated dir relative to the source root, for path items. */
  dir?: string;
  tags: string[];
  barrier: boolean;
  waitReadiness: boolean;
  onlyRender: boolean;
  message?: string;
  objects: KubeObject[];
  /** What deploy needs besides the objects (spec §6.3, §7.1). */
  deleteObjects: ObjectRefConfig[];
  waitReadinessObjects: ObjectRefConfig[];
  /** The project chain's rules, nearest project first. */
  ignoreForDiff: IgnoreForDiffConfig[];
  conflictResolution: ConflictResolutionConfig[];
}

/** Stages 3-4: kustomize (unless onlyRender), then labels, annotations and images. */
export async function buildItemObjects(item: DeploymentItem, o: BuildItemOptions): Promise<RenderedItem> {
  const result: RenderedItem = {
    dir: item.relToSourceItemDir,
    tags: item.tags,
    barrier: item.config.barrier ?? false,
    waitReadiness: item.config.waitReadiness ?? false,
    onlyRender: item.config.onlyRender ?? false,
    message: item.config.message,
    objects: [],
    deleteObjects: item.config.deleteObjects ?? [],
    waitReadinessObjects: item.config.waitReadinessObjects ?? [],
    ignoreForDiff: parents(item.project).flatMap((e) => e.project.config.ignoreForDiff ?? []),
    conflictResolution: parents(item.project).flatMap((e) => e.project.config.conflictResolution ?? []),
  };
  const rendered = renderedDirOf(item, o.renderDir);
  if (!item.dir || !rendered || item.config.onlyRender) return result;

  const kustomize = async () => {
    const out = await kustomizeItem(item, o, rendered);
    // Known for a cached build, so that its reuse skips the walk for placeholders when there are none.
    if (o.cache) out.result.imagePlaceholders = hasImagePlaceholder(out.result.objects);
    return out;
  };
  const inputs = [item.dir, rendered, item.config, overrideNamespace(item.project), o.kustomizeBinary];
  const built = o.cache
    ? await o.cache.build(cacheKey(item), inputs, o.tree, rendered, kustomize)
    : (await kustomize()).result;
  const { annotations, objects } = built;
  result.barrier ||= parseGoBool(annotations['kluctl.io/barrier']);
  result.waitReadiness ||= parseGoBool(annotations['kluctl.io/wait-readiness']);

  const meta = itemMetadata({
    commonLabels: o.commonLabels,
    commonAnnotations: o.commonAnnotations,
    discriminator: o.discriminator,
    tags: item.tags,
    deploymentItemDir: item.relToSourceItemDir!,
    skipDeleteIfTags: item.config.skipDeleteIfTags,
  });
  for (const obj of objects) {
    applyMetadata(obj, meta);
    if (built.imagePlaceholders === false) continue;
    for (const x of withListItems(obj)) {
      try {
        resolveImagePlaceholders(x, o.images, item.vars, { tags: item.tags, dir: item.relRenderedDir! });
      } catch (error) {
        throw new Error(`postprocessing kustomize objects for ${item.dir} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
  result.objects = objects;
  if (o.writeRenderedYaml)
    o.tree.writeFile(path.join(rendered, '.rendered.yml'), objects.map((x) => toGoYaml(x)).join('---\n'));
  return result;
}

/** Stage 3 of one item: its kustomization (generated when missing) built; `cacheable` when only the tree was read. */
async function kustomizeItem(
  item: DeploymentItem,
  o: BuildItemOptions,
  rendered: string,
): Promise<{ result: KustomizedItem; cacheable: boolean }> {
  const kustomization = await prepareKustomization(o.tree, item, rendered);
  const annotations =
    (kustomization.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
  let objects: KubeObject[];
  let builder: string;
  try {
    const root = path.join(o.renderDir, item.project.source.id);
    // Every file kustomize reads is decrypted when it is a SOPS file, as Kluctl's decrypting filesystem does; the
    // files are in the render's tree, or in the temp copy written for the kustomize binary.
    const readFile = (f: string): Buffer =>
      o.sops.decryptSync(o.tree.kind(f) === 'file' ? o.tree.readFile(f) : fs.readFileSync(f), f).data;
    ({ objects, builder } = await withSopsKeys(o.sops, () =>
      kustomizeBuild(rendered, {
        root,
        kustomizeBinary: o.kustomizeBinary ?? findKustomizeBinary,
        signal: o.signal,
        tree: o.tree,
        readFile,
        onDisk: () => {
          const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-ts-rendered-'));
          o.tree.writeToDisk(root, tmp);
          return { root: tmp, dispose: () => fs.rmSync(tmp, { recursive: true, force: true }) };
        },
      }),
    ));
  } catch (error) {
    throw new Error(`building kustomize objects for ${item.dir} failed. ${(error as Error).message}`, { cause: error });
  }
  // v2.28 drops kluctl.io/ignore objects here; v2.22.1 keeps them in the render output (see the conformance notes).
  objects = objects.filter((x) => !parseGoBool(x.metadata?.annotations?.['kluctl.io/ignore']));

  return { result: { annotations, objects }, cacheable: builder === 'native' };
}

/** project/paths' fixPathExt in the tree: `x.yml` when it exists, else `x.yaml` when that exists. */
function fixPathExt(tree: MemTree, file: string): string {
  const ext = path.extname(file);
  if (ext !== '.yml' && ext !== '.yaml') return file;
  const base = file.slice(0, -ext.length);
  for (const candidate of [`${base}.yml`, `${base}.yaml`]) if (tree.kind(candidate) !== undefined) return candidate;
  return file;
}

/** A text file of the tree, decoded strictly as files read from disk are. */
function treeText(tree: MemTree, file: string): string {
  return decodeUtf8File(tree.readFile(file), file);
}

function readKustomization(tree: MemTree, dir: string): Record<string, unknown> | undefined {
  const file = fixPathExt(tree, path.join(dir, 'kustomization.yml'));
  if (tree.kind(file) === undefined) return undefined;
  const value = parseYaml11(treeText(tree, file), file).value;
  return isObject(value) ? value : {};
}

/** The item's kustomization (generated when missing), with overrideNamespace applied; written back for kustomize. */
async function prepareKustomization(
  tree: MemTree,
  item: DeploymentItem,
  rendered: string,
): Promise<Record<string, unknown>> {
  let k = readKustomization(tree, rendered);
  if (k && item.config.recursive)
    throw new ProjectError(item.dir, undefined, 'recursive is set but the item already has a kustomization.yaml');
  if (!k) {
    const { resources } = await generateKustomization(rendered, { recursive: item.config.recursive, tree });
    const list: string[] = [];
    for (const r of resources) {
      const name = path.posix.basename(r);
      let entry: string | undefined = r;
      if (isHelmValuesFile(name)) entry = undefined;
      else if (isHelmChartFile(name)) {
        const chartFile = path.join(rendered, r);
        const output = path.posix.join(
          path.posix.dirname(r),
          helmOutput(readHelmChart(chartFile, treeText(tree, chartFile))),
        );
        entry = tree.kind(path.join(rendered, output)) !== undefined ? undefined : path.posix.normalize(output);
      }
      if (entry !== undefined && !list.includes(entry)) list.push(entry);
    }
    k = { resources: list };
  }
  const ns = overrideNamespace(item.project);
  if (ns !== undefined && k.namespace === undefined) k.namespace = ns;
  const file = fixPathExt(tree, path.join(rendered, 'kustomization.yml'));
  tree.writeFile(file, toGoYaml(k));
  return k;
}

function findFiles(tree: MemTree, dir: string, match: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of tree.readdir(dir).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    // Names first: paths are joined only for what matches or is descended into (every re-render walks every item).
    if (e.isFile) {
      if (match(e.name)) out.push(path.join(dir, e.name));
    } else if (e.isDirectory) {
      const p = path.join(dir, e.name);
      if (tree.kind(path.join(p, 'Chart.yaml')) === undefined) out.push(...findFiles(tree, p, match));
    }
  }
  return out;
}
