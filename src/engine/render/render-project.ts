/** `renderProject`: the whole render half of Kluctl (spec §12 steps 1-4), what `kluctl render` does. */

import { helmAuthProvider, type HelmCredentialArgs } from '../helm/credentials.js';
import { prefetchHelmEngine } from '../helm/helm-chart.js';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../../kube/objects.js';
import { collectDeployments, type DeploymentItem } from '../deployment/collection.js';
import type { InclusionOptions } from '../deployment/inclusion.js';
import { commonAnnotations, commonLabels, loadDeploymentProject, searchDirs } from '../deployment/project.js';
import { GitRepoCache } from '../git/repo-cache.js';
import { argsFromEnv, argsFromFiles, parseArgs } from '../project/args.js';
import { gitRoot } from '../project/paths.js';
import { buildRootVars, loadKluctlProject, requestedContext, selectTarget } from '../deployment/kluctl-project.js';
import { FIXED_IMAGES_FILE } from '../project/schema.js';
import type { FixedImage, Target } from '../project/types.js';
import { readYamlFile } from '../yaml/strict.js';
import { deepMerge } from '../../kluctl/uo/merge.js';
import type { VarsLoaderContext } from '../vars/vars-loader.js';
import {
  buildItemObjects,
  renderItemHelmCharts,
  renderItemTemplates,
  type BuildItemOptions,
  type RenderedItem,
} from './build-item.js';
import { apiVersions, serverVersion, type ClusterConnection } from './cluster.js';
import { addDeployedImages } from './deployed-images.js';
import { MemTree } from './mem-tree.js';
import type { RenderCache } from './incremental.js';
import { fixNamespaces } from '../postprocess/namespaces.js';
import type { SeenImage } from '../postprocess/images.js';
import { SopsDecryptor } from '../sops/decryptor.js';
import { OciArtifactCache } from '../oci/artifact.js';
import { RegistryClient } from '../oci/client.js';
import { RegistryCredentials, type RegistryFlags } from '../oci/credentials.js';

export interface RenderProjectOptions {
  projectDir: string;
  /** `-c/--project-config` */
  projectConfig?: string;
  target?: string;
  /** `-T/--target-name-override` */
  targetNameOverride?: string;
  /** `-a name=value` */
  args?: string[];
  argsFromFiles?: string[];
  /** For `KLUCTL_ARG[_n]`; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  inclusion?: InclusionOptions;
  discriminator?: string;
  /** `-F image=result` entries already parsed, and `--fixed-images-file`. */
  fixedImages?: FixedImage[];
  fixedImagesFile?: string;
  /** Without a cluster: no namespace fixing, Helm's default kube version. */
  offline?: boolean;
  kubeconfig?: string;
  context?: string;
  /** The timeout of each Kubernetes request; the client's default when absent. */
  requestTimeoutMs?: number;
  kubernetesVersion?: string;
  /** Where item dirs are written once rendered (in memory); nothing is written when absent. */
  renderOutputDir?: string;
  kustomizeBinary?: string;
  helmBinary?: string;
  /** The `--registry-*` flags (OCI includes); `KLUCTL_REGISTRY_*` and the Docker config come from `env`. */
  registry?: RegistryFlags;
  /** `--helm-username` and the other `--helm-*` flags; `KLUCTL_HELM_*` of env are read too. */
  helmCredentials?: HelmCredentialArgs;
  signal?: AbortSignal;
  /**
   * Kept by a caller that renders the same project again (the editor): unchanged items are not rendered again.
   * Not used with renderOutputDir.
   */
  cache?: RenderCache;
  /**
   * The editor's analysis: an item that fails does not stop the render; its error is added to `errors` and the
   * other items are still rendered and built (every independent problem is reported at once).
   */
  collectErrors?: boolean;
}

export interface RenderProjectResult {
  /** All objects, in kluctl's order (items in collection order, objects in kustomize order). */
  objects: KubeObject[];
  items: RenderedItem[];
  warnings: string[];
  target: Target;
  images: SeenImage[];
  /** Set when renderOutputDir was given (a temp render dir is removed). */
  renderDir?: string;
  /** The discriminator in effect (`--discriminator` or the target's). */
  discriminator?: string;
  /** The external args as given (`-a`, `--args-from-file`, `KLUCTL_ARG_*`). */
  args: Record<string, unknown>;
  /** The root deployment.yaml as loaded, for the command result. */
  deployment: unknown;
  /** The cluster rendered against; absent offline. */
  cluster?: ClusterConnection;
  /** With collectErrors: the error of each item that failed (its objects are missing), in item order. */
  errors: unknown[];
}

export async function renderProject(o: RenderProjectOptions): Promise<RenderProjectResult> {
  const projectDir = path.resolve(o.projectDir);
  const warnings: string[] = [];
  const env = o.env ?? process.env;
  const external = deepMerge(parseArgs([...argsFromEnv(env), ...(o.args ?? [])]), argsFromFiles(o.argsFromFiles ?? []));
  const project = loadKluctlProject(projectDir, external, o.projectConfig);
  warnings.push(...project.warnings);

  let cluster: ClusterConnection | undefined;
  if (!o.offline) {
    const { connect } = await import('./connect.js');
    cluster = connect(o.kubeconfig, requestedContext(project, o.target, o.context), warnings, env, o.requestTimeoutMs);
  }
  // What Helm's .Capabilities needs is asked for now and awaited only when the items are built: the requests run
  // while the project, its vars and its items load.
  const capabilities = cluster
    ? Promise.all([serverVersion(cluster, o.signal), apiVersions(cluster, o.signal)])
    : Promise.resolve([undefined, undefined] as const);
  capabilities.catch(() => {}); // awaited below; a failure before that must not be unhandled
  const target = selectTarget(project, external, {
    targetName: o.target,
    targetNameOverride: o.targetNameOverride,
    contextName: cluster?.contextName ?? '',
  });
  const discriminator = o.discriminator ?? target.discriminator;

  const sourceDir = gitRoot(projectDir) ?? projectDir;
  const gitCache = new GitRepoCache();
  const sops = new SopsDecryptor({ env, signal: o.signal });
  // One set of registry credentials for OCI includes and OCI Helm charts, as kluctl uses them for both.
  const registryCredentials = new RegistryCredentials(o.registry, env);
  const oci = new OciArtifactCache({ credentials: registryCredentials });
  const ctx: VarsLoaderContext = {
    oci,
    client: cluster?.client,
    mapper: cluster?.mapper,
    gitCache,
    signal: o.signal,
    env,
    sops,
  };
  const rootVars = buildRootVars(project.config, target, external);
  const root = await loadDeploymentProject(
    ctx,
    rootVars,
    { dir: sourceDir, id: 'root' },
    path.relative(sourceDir, projectDir),
  );
  const items = await collectDeployments(ctx, root, o.inclusion ?? {});

  const fixedImages: FixedImage[] = [
    ...(target.images ?? []),
    ...(o.fixedImagesFile
      ? ((readYamlFile(o.fixedImagesFile, FIXED_IMAGES_FILE) as { images?: FixedImage[] } | null)?.images ?? [])
      : []),
    ...(o.fixedImages ?? []),
  ];
  // Rendered in memory under a path that does not exist on disk (unless it is the output dir, written at the end).
  const cache = o.renderOutputDir ? undefined : o.cache;
  cache?.beginRender();
  const renderDir = o.renderOutputDir
    ? path.resolve(o.renderOutputDir)
    : (cache?.renderDir ?? path.join(os.tmpdir(), `kluctl-ts-rendered-${randomUUID()}`));
  const tree = new MemTree(renderDir, { trackChanges: cache !== undefined });
  const seen: SeenImage[] = [];
  const errors: unknown[] | undefined = o.collectErrors ? [] : undefined;
  const built = await buildAll(items, errors, {
    renderDir,
    tree,
    writeRenderedYaml: !!o.renderOutputDir,
    cache,
    discriminator,
    cluster,
    kubernetesVersion: o.kubernetesVersion,
    kubeVersion: (await capabilities)[0],
    apiVersions: (await capabilities)[1],
    kustomizeBinary: o.kustomizeBinary,
    helmBinary: o.helmBinary,
    helmAuth: helmAuthProvider(o.helmCredentials, env),
    registry: new RegistryClient({ credentials: registryCredentials }),
    gitCache,
    images: { fixedImages, seen },
    signal: o.signal,
    sops,
  });
  const objects = built.flatMap((b) => b.objects);
  if (cluster) await fixNamespaces(objects, cluster.mapper, o.signal);
  if (cluster) await addDeployedImages(seen, cluster, o.signal);
  seen.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
  if (o.renderOutputDir) tree.writeToDisk(renderDir, renderDir);
  return {
    objects,
    items: built,
    warnings,
    target,
    images: seen,
    renderDir: o.renderOutputDir ? renderDir : undefined,
    discriminator,
    args: external,
    deployment: root.config,
    cluster,
    errors: errors ?? [],
  };
}

async function buildAll(
  items: DeploymentItem[],
  errors: unknown[] | undefined,
  base: Omit<BuildItemOptions, 'searchDirs' | 'commonLabels' | 'commonAnnotations'>,
): Promise<RenderedItem[]> {
  const opts = items.map((item) => ({
    ...base,
    searchDirs: searchDirs(item.project),
    commonLabels: commonLabels(item.project),
    commonAnnotations: commonAnnotations(item.project),
  }));
  // Without a collector the first error ends the render, as in kluctl; with one, the failed item is skipped.
  const failed = new Set<number>();
  const each = async (stage: (item: DeploymentItem, i: number) => unknown): Promise<void> => {
    for (const [i, item] of items.entries()) {
      if (failed.has(i)) continue;
      try {
        await stage(item, i);
      } catch (error) {
        if (!errors || base.signal?.aborted) throw inSourceTerms(error, items, base.renderDir);
        errors.push(inSourceTerms(error, items, base.renderDir));
        failed.add(i);
      }
    }
  };
  // A hint, given once per cache: a re-render in the editor does not probe every item dir again for it.
  if (!base.cache?.warm)
    prefetchHelmEngine(
      items.flatMap((item) => (item.dir ? [item.dir] : [])),
      base.helmBinary,
    );
  // All items are rendered before any is built: kustomize may reference another (onlyRender) item's rendered dir.
  await each((item, i) => renderItemTemplates(item, opts[i]));
  await each((item, i) => renderItemHelmCharts(item, opts[i]));
  // Kluctl serialises kustomize builds; doing the same keeps errors deterministic.
  const out: RenderedItem[] = [];
  await each(async (item, i) => void out.push(await buildItemObjects(item, opts[i])));
  return out;
}

/**
 * Errors from the later stages name files in the render dir (a temp dir that is gone once the command ends): they
 * are rewritten to the source files they were rendered from.
 */
function inSourceTerms(error: unknown, items: DeploymentItem[], renderDir: string): unknown {
  if (!(error instanceof Error) || !error.message.includes(renderDir)) return error;
  let message = error.message;
  const sources = new Map(items.map((i) => [i.project.source.id, i.project.source.dir]));
  for (const [id, dir] of sources) message = message.split(path.join(renderDir, id)).join(dir);
  error.message = message;
  if (error.stack) error.stack = `${error.name}: ${message}`;
  return error;
}
