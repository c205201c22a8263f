/** One deployment item through the stages of spec §2.5: templates, Helm charts, kustomize, post-processing. */

import type { ConflictResolutionConfig, IgnoreForDiffConfig, ObjectRefConfig } from '../project/types.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject } from '../../kube/objects.js';
import type { DeploymentItem } from '../deployment/collection.js';
import type { GitRepoCache } from '../git/repo-cache.js';
import { overrideNamespace, parents } from '../deployment/project.js';
import { helmOutput, isHelmChartFile, isHelmValuesFile, readHelmChart, renderHelmChart } from '../helm/helm-chart.js';
import { ProjectError } from '../errors.js';
import { exists, fixPathExt, isDirectory } from '../project/paths.js';
import { applyMetadata, itemMetadata, parseGoBool, withListItems } from '../postprocess/metadata.js';
import { resolveImagePlaceholders, type ImageResolver } from '../postprocess/images.js';
import { isMap as isObject } from '../../util/go-values.js';
import { parseYaml11 } from '../yaml/kustomize.js';
import type { ClusterConnection } from './cluster.js';
import { findKustomizeBinary } from '../kustomize/binary.js';
import { generateKustomization } from '../kustomize/generate.js';
import { kustomizeBuild } from '../kustomize/index.js';
import { renderDirectory } from './render-dir.js';
import { toGoYaml } from '../../kluctl/yaml/go-yaml.js';
import { withSopsKeys, type SopsDecryptor } from '../sops/decryptor.js';

export interface BuildItemOptions {
  renderDir: string;
  discriminator?: string;
  cluster?: ClusterConnection;
  kubernetesVersion?: string;
  kustomizeBinary?: string;
  helmBinary?: string;
  gitCache?: GitRepoCache;
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
  renderDirectory({
    sourceRoot: item.project.source.dir,
    itemDir: item.dir,
    targetDir: target,
    searchDirs: [item.dir, ...o.searchDirs],
    vars: item.vars,
  });
}

/** Stage 2: every helm-chart.yaml anywhere in the rendered dir. */
export async function renderItemHelmCharts(item: DeploymentItem, o: BuildItemOptions): Promise<void> {
  const rendered = renderedDirOf(item, o.renderDir);
  if (!item.dir || !rendered) return;
  for (const chartFile of findFiles(rendered, isHelmChartFile)) {
    const subDir = path.relative(rendered, path.dirname(chartFile));
    const config = readHelmChart(chartFile);
    const kustomization = readKustomization(path.dirname(chartFile));
    if (kustomization && !((kustomization.resources as unknown[] | undefined) ?? []).includes(helmOutput(config))) {
      throw new ProjectError(
        `${item.relRenderedDir}/kustomization.yaml`,
        undefined,
        `does not include the rendered helm chart: ${helmOutput(config)}`,
      );
    }
    await renderHelmChart({
      renderedDir: rendered,
      chartFile,
      helmChartsDirs: helmChartsDirs(item, path.join(item.dir, subDir)),
      sourceDir: path.join(item.dir, subDir),
      sourceRoot: item.project.source.dir,
      kubeVersion: o.kubernetesVersion ?? o.kubeVersion,
      apiVersions: o.apiVersions,
      helmBinary: o.helmBinary,
      gitCache: o.gitCache,
      signal: o.signal,
      sops: o.sops,
    });
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

  const kustomization = await prepareKustomization(item, rendered);
  const annotations =
    (kustomization.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
  result.barrier ||= parseGoBool(annotations['kluctl.io/barrier']);
  result.waitReadiness ||= parseGoBool(annotations['kluctl.io/wait-readiness']);

  let objects: KubeObject[];
  try {
    const root = path.join(o.renderDir, item.project.source.id);
    // Every file kustomize reads is decrypted when it is a SOPS file, as Kluctl's decrypting filesystem does.
    const readFile = (f: string): Buffer => o.sops.decryptSync(fs.readFileSync(f), f).data;
    objects = (
      await withSopsKeys(o.sops, () =>
        kustomizeBuild(rendered, {
          root,
          kustomizeBinary: o.kustomizeBinary ?? findKustomizeBinary(),
          signal: o.signal,
          readFile,
        }),
      )
    ).objects;
  } catch (error) {
    throw new Error(`building kustomize objects for ${item.dir} failed. ${(error as Error).message}`, { cause: error });
  }
  // v2.28 drops kluctl.io/ignore objects here; v2.22.1 keeps them in the render output (see the conformance notes).
  objects = objects.filter((x) => !parseGoBool(x.metadata?.annotations?.['kluctl.io/ignore']));

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
  fs.writeFileSync(path.join(rendered, '.rendered.yml'), objects.map((x) => toGoYaml(x)).join('---\n'));
  return result;
}

function readKustomization(dir: string): Record<string, unknown> | undefined {
  const file = fixPathExt(path.join(dir, 'kustomization.yml'));
  if (!exists(file)) return undefined;
  const value = parseYaml11(fs.readFileSync(file, 'utf8'), file).value;
  return isObject(value) ? value : {};
}

/** The item's kustomization (generated when missing), with overrideNamespace applied; written back for kustomize. */
async function prepareKustomization(item: DeploymentItem, rendered: string): Promise<Record<string, unknown>> {
  let k = readKustomization(rendered);
  if (k && item.config.recursive)
    throw new ProjectError(item.dir, undefined, 'recursive is set but the item already has a kustomization.yaml');
  if (!k) {
    const { resources } = await generateKustomization(rendered, { recursive: item.config.recursive });
    const list: string[] = [];
    for (const r of resources) {
      const name = path.posix.basename(r);
      let entry: string | undefined = r;
      if (isHelmValuesFile(name)) entry = undefined;
      else if (isHelmChartFile(name)) {
        const output = path.posix.join(path.posix.dirname(r), helmOutput(readHelmChart(path.join(rendered, r))));
        entry = exists(path.join(rendered, output)) ? undefined : path.posix.normalize(output);
      }
      if (entry !== undefined && !list.includes(entry)) list.push(entry);
    }
    k = { resources: list };
  }
  const ns = overrideNamespace(item.project);
  if (ns !== undefined && k.namespace === undefined) k.namespace = ns;
  const file = fixPathExt(path.join(rendered, 'kustomization.yml'));
  fs.writeFileSync(file, toGoYaml(k));
  return k;
}

function findFiles(dir: string, match: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !exists(path.join(p, 'Chart.yaml'))) out.push(...findFiles(p, match));
    else if (e.isFile() && match(e.name)) out.push(p);
  }
  return out.filter((p) => !isDirectory(p));
}
