/** Helm items (spec §2.6): `helm-chart.yaml` rendered by the bundled Helm v4 engine (helm-wasm.ts), as kluctl v2.28 does. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessTimeoutError, runProcess } from '../../util/run-process.js';
import { ProjectError } from '../errors.js';
import { exists, fixPathExt, isDirectory, isInside, realpath } from '../project/paths.js';
import type { GitProject } from '../project/types.js';
import type { GitRepoCache } from '../git/repo-cache.js';
import { HELM_CHART } from '../project/schema.js';
import { parseYaml, parseYamlAll, readYamlFile } from '../yaml/strict.js';
import { isMap as isObject } from '../../util/go-values.js';
import { toGoYaml } from '../../kluctl/yaml/go-yaml.js';
import { CancelledError, isCancellation } from '../../util/errors.js';
import { SopsDecryptor } from '../sops/decryptor.js';
import { helmTemplateWasm, helmWasmPath, prefetchHelmModule, type HelmTemplateRequest } from './helm-wasm.js';
import { defaultHelmRenderCache, type RenderKey } from './render-cache.js';
import { needsPull, remoteChart, type RemoteChart } from './chart-pull.js';
import type { HelmAuthProvider } from './credentials.js';
import type { RegistryClient } from '../oci/client.js';

export const HELM_INSTALL_NAMESPACE = 'kluctl.io/helm-install-namespace';

export interface HelmChartConfig {
  repo?: string;
  path?: string;
  git?: GitProject;
  credentialsId?: string;
  chartName?: string;
  chartVersion?: string;
  updateConstraints?: string;
  releaseName: string;
  namespace?: string;
  output?: string;
  skipCRDs?: boolean;
  skipUpdate?: boolean;
  skipPrePull?: boolean;
}

export function isHelmChartFile(name: string): boolean {
  return /^helm-chart\.ya?ml$/i.test(name);
}

export function isHelmValuesFile(name: string): boolean {
  return /^helm-values\.ya?ml$/i.test(name);
}

/** `text`: the file's content when it is not on disk (the render's in-memory tree). */
/** `checkReleaseName: false`: helm-pull reads the file unrendered, where the name may still be a template. */
export function readHelmChart(file: string, text?: string, checkReleaseName = true): HelmChartConfig {
  const doc = (text === undefined ? readYamlFile(file, HELM_CHART) : parseYaml(text, file, HELM_CHART)) as {
    helmChart?: HelmChartConfig;
  } | null;
  const config = doc?.helmChart;
  if (!config?.releaseName) throw new ProjectError(file, undefined, 'helmChart.releaseName is required');
  const problem = checkReleaseName ? releaseNameProblem(String(config.releaseName)) : undefined;
  if (problem) throw new ProjectError(file, undefined, `helmChart.releaseName: ${problem}`);
  return config;
}

/** Helm's own rule for release names (chartutil.ValidateReleaseName): a DNS-1123 subdomain of at most 53 chars. */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` is not a valid Helm release name, or undefined when it is. */
export function releaseNameProblem(name: string): string | undefined {
  if (RELEASE_NAME.test(name) && name.length <= 53) return undefined;
  // Helm's own words (`helm template` says the same).
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return `release name ${JSON.stringify(shown)}: invalid release name, must match regex ${RELEASE_NAME.source} and the length must not be longer than 53`;
}

/** `helm template` of a local chart: nothing to download, so this is generous. */
const HELM_TIMEOUT_MS = 5 * 60_000;

export const helmOutput = (c: HelmChartConfig): string => c.output ?? 'helm-rendered.yaml';

/**
 * A chart in a Git repository (v2.28), checked out at its ref on demand with `skipPrePull: true`; kluctl's
 * pre-pulled copies of Git charts (`kluctl helm-pull`) are not read yet.
 */
async function gitChart(c: HelmChartConfig, git: GitProject, o: HelmRenderOptions): Promise<string> {
  if (c.chartName !== undefined || c.chartVersion !== undefined)
    throw new ProjectError(
      o.chartFile,
      undefined,
      'chartName and chartVersion can not be specified for git Helm charts',
    );
  const name = path.posix.basename(git.subDir || git.url.replace(/\.git$/, ''));
  if (!c.skipPrePull) {
    throw new ProjectError(
      o.chartFile,
      undefined,
      `Helm Chart ${name} has not been pre-pulled; kluctl-ts reads Git charts only with skipPrePull: true (it checks them out on demand)`,
    );
  }
  if (!o.gitCache) throw new ProjectError(o.chartFile, undefined, 'git Helm charts need a Git cache (internal error)');
  const checkout = await o.gitCache.checkout(git.url, git.ref, o.signal).catch((error: Error) => {
    throw new ProjectError(o.chartFile, undefined, `git Helm chart ${git.url}: ${error.message}`);
  });
  const dir = path.resolve(checkout, git.subDir ?? '');
  if (!isInside(checkout, dir) || !isInside(realpath(checkout), realpath(dir)))
    throw new ProjectError(o.chartFile, undefined, `invalid git subDir: ${git.subDir}`);
  if (!exists(path.join(dir, 'Chart.yaml')))
    throw new ProjectError(
      o.chartFile,
      undefined,
      `git Helm chart ${git.url}: no Chart.yaml in ${git.subDir || 'the repository root'}`,
    );
  return dir;
}

export interface HelmRenderOptions {
  /** The item's rendered sub-dir holding helm-chart.yaml (and helm-values.yaml). */
  renderedDir: string;
  chartFile: string;
  /** `.helm-charts` candidates, nearest first. */
  helmChartsDirs: string[];
  /** Source dir of the same sub-dir, for local chart paths. */
  sourceDir: string;
  /** The root local chart paths must stay inside (symlinks resolved); the source dir's when absent. */
  sourceRoot?: string;
  /** `--kubernetes-version`, else the server's; Helm v4's default when absent (offline). */
  kubeVersion?: string;
  /** The cluster's API versions when online. */
  apiVersions?: string[];
  /** An explicit helm binary instead of the bundled engine (see helmTemplateBinary). */
  helmBinary?: string;
  /** Checkouts of Git-hosted charts (`helmChart.git`). */
  gitCache?: GitRepoCache;
  signal?: AbortSignal;
  /** Decrypts a SOPS-encrypted helm-values.yaml (given to helm on stdin, never written to disk). */
  sops?: SopsDecryptor;
  /** Credentials for repositories (`--helm-*` flags, `KLUCTL_HELM_*`); none when absent. */
  helmAuth?: HelmAuthProvider;
  /** The client for `oci://` charts, with the `--registry-*` credentials (kluctl uses those for OCI charts). */
  registry?: RegistryClient;
  /** Where charts with `skipPrePull` are pulled to (`<dir>/helm-charts/…`); the engine's cache dir when absent. */
  helmCacheDir?: string;
}

/** Renders the chart into its output file (objects annotated with the install namespace, as Kluctl does). */
export async function renderHelmChart(o: HelmRenderOptions): Promise<HelmChartConfig> {
  const config = readHelmChart(o.chartFile);
  const chartDir = await locateChart(config, o);
  const valuesFile = fixPathExt(path.join(path.dirname(o.chartFile), 'helm-values.yml'));
  let values: string | undefined;
  let valuesEncrypted = false;
  if (exists(valuesFile)) {
    // SOPS-encrypted values are decrypted in memory and never written to a file (the binary fallback reads stdin).
    const sops = o.sops ?? new SopsDecryptor({ env: process.env, signal: o.signal });
    const decrypted = await sops.maybeDecrypt(fs.readFileSync(valuesFile), valuesFile);
    values = decrypted.data.toString('utf8');
    valuesEncrypted = decrypted.encrypted;
  }
  const request: HelmTemplateRequest = {
    chartDir: path.resolve(chartDir),
    releaseName: String(config.releaseName),
    namespace: config.namespace ?? 'default',
    kubeVersion: o.kubeVersion,
    apiVersions: o.apiVersions,
    includeCRDs: !config.skipCRDs,
    values,
  };
  const helm = o.helmBinary ?? process.env.KLUCTL_HELM_BINARY;
  let manifest: string;
  // Renders by the bundled Helm are reused across processes when they are pure (render-cache.ts); SOPS-decrypted
  // values never reach the disk, not even encrypted.
  const cache = helm || valuesEncrypted ? undefined : defaultHelmRenderCache();
  const moduleFile = cache && helmWasmPath();
  const key: RenderKey | undefined = moduleFile ? cache.key(request, moduleFile) : undefined;
  const cached = key && cache?.get(key);
  let store = false;
  if (cached !== undefined) {
    manifest = cached;
  } else if (helm) {
    manifest = await helmTemplateBinary(helm, request, valuesEncrypted ? undefined : valuesFile, o);
  } else {
    try {
      const result = await helmTemplateWasm(request, o.signal);
      manifest = result.manifest;
      store = result.volatile.length === 0;
    } catch (error) {
      if (isCancellation(error)) throw new CancelledError(`helm template ${o.chartFile}`);
      throw new ProjectError(
        o.chartFile,
        undefined,
        `rendering helm chart ${chartName(config)} for release ${config.releaseName} has failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const objects = parseYamlAll(manifest).filter(isObject);
  if (key && store && !objects.some((obj) => obj.kind === 'Secret')) cache?.put(key, manifest);
  for (const obj of objects) {
    if (config.namespace === undefined) continue;
    const metadata = (obj.metadata ??= {}) as { annotations?: Record<string, string> };
    metadata.annotations = { ...(metadata.annotations ?? {}), [HELM_INSTALL_NAMESPACE]: config.namespace };
  }
  fs.writeFileSync(
    path.join(path.dirname(o.chartFile), helmOutput(config)),
    objects.map((x) => toGoYaml(x)).join('---\n'),
  );
  return config;
}

/**
 * Starts compiling the bundled Helm while the templates render, when an item of `itemDirs` has a helm-chart.yaml
 * at its root (a hint only: a chart elsewhere compiles it when it renders).
 */
export function prefetchHelmEngine(itemDirs: string[], helmBinary?: string): void {
  if (helmBinary ?? process.env.KLUCTL_HELM_BINARY) return;
  const hasChart = (dir: string) => ['helm-chart.yaml', 'helm-chart.yml'].some((n) => exists(path.join(dir, n)));
  if (itemDirs.some(hasChart)) prefetchHelmModule();
}

const chartName = (c: HelmChartConfig): string =>
  c.chartName ??
  (c.path !== undefined
    ? path.posix.basename(c.path)
    : c.git
      ? path.posix.basename(c.git.subDir || c.git.url)
      : String(c.repo));

/**
 * The explicit fallback (`KLUCTL_HELM_BINARY` or the helmBinary option; PATH is never searched): `helm template`
 * of the user's own helm with kluctl v2.28's kube version. Helm v3 binaries differ from kluctl v2.28 where Helm
 * v4 does (see the README's Helm section), and online they see their default API versions plus the cluster's.
 */
async function helmTemplateBinary(
  helm: string,
  r: HelmTemplateRequest,
  /** The values file, or undefined when `r.values` is decrypted SOPS content (passed on stdin instead). */
  valuesFile: string | undefined,
  o: HelmRenderOptions,
): Promise<string> {
  // Flags take their values with `=` and the operands follow `--`, so no value from the project can become a flag.
  const args = [
    'template',
    `--namespace=${r.namespace}`,
    `--kube-version=${r.kubeVersion ?? HELM_V4_DEFAULT_KUBE_VERSION}`,
    '--skip-tests',
  ];
  if (r.includeCRDs) args.push('--include-crds');
  for (const v of r.apiVersions ?? []) args.push(`--api-versions=${v}`);
  const input = r.values !== undefined && valuesFile === undefined ? r.values : undefined;
  if (r.values !== undefined) args.push(input !== undefined ? '--values=-' : `--values=${path.resolve(valuesFile!)}`);
  args.push('--', r.releaseName, r.chartDir);
  let result;
  try {
    result = await runProcess(helm, args, {
      cwd: o.renderedDir,
      signal: o.signal,
      timeoutMs: HELM_TIMEOUT_MS,
      input,
      env: { ...process.env, HELM_CACHE_HOME: path.join(o.renderedDir, '.helm-cache') },
    });
  } catch (error) {
    if (error instanceof ProcessTimeoutError)
      throw new ProjectError(o.chartFile, undefined, `helm template did not finish within ${HELM_TIMEOUT_MS / 1000}s`, {
        cause: error,
      });
    if (isCancellation(error)) throw new CancelledError(`helm template ${o.chartFile}`);
    throw new ProjectError(o.chartFile, undefined, `cannot run ${helm}: ${(error as Error).message}`, { cause: error });
  }
  if (result.code !== 0) {
    const err = result.stderr.toString('utf8').trim();
    throw new ProjectError(o.chartFile, undefined, `helm template failed: ${err || `exit code ${result.code}`}`);
  }
  return result.stdout.toString('utf8');
}

/** `.Capabilities.KubeVersion` of Helm v4.2 (and so kluctl v2.28) when there is no cluster and no --kubernetes-version. */
export const HELM_V4_DEFAULT_KUBE_VERSION = 'v1.36.0';

async function locateChart(c: HelmChartConfig, o: HelmRenderOptions): Promise<string> {
  if (c.path !== undefined) {
    if (path.isAbsolute(c.path)) throw new ProjectError(o.chartFile, undefined, 'helmChart.path must be relative');
    const dir = path.resolve(o.sourceDir, c.path);
    if (!isInside(realpath(o.sourceRoot ?? o.sourceDir), realpath(dir)))
      throw new ProjectError(o.chartFile, undefined, `local chart ${c.path} is not inside the project`);
    if (!isDirectory(dir)) throw new ProjectError(o.chartFile, undefined, `local chart ${c.path} not found`);
    return dir;
  }
  if (c.git !== undefined) return gitChart(c, c.git, o);
  if (!c.repo) throw new ProjectError(o.chartFile, undefined, 'helmChart needs repo, path or git');
  return repoChart(c, c.repo, o);
}

/**
 * A repository chart: the pre-pulled copy in the nearest `.helm-charts` (kluctl's layout); with `skipPrePull`, pulled
 * on demand into the cache when there is none. Errors as kluctl v2.28 words them, naming helm-chart.yaml.
 */
async function repoChart(c: HelmChartConfig, repo: string, o: HelmRenderOptions): Promise<string> {
  const fail = (detail: string, cause?: unknown): never => {
    throw new ProjectError(o.chartFile, undefined, detail, cause === undefined ? undefined : { cause });
  };
  if (!c.chartVersion) fail('chartVersion must be specified when repo is specified');
  const version = String(c.chartVersion);
  let chart: RemoteChart;
  try {
    chart = remoteChart({ repo, chartName: c.chartName, credentialsId: c.credentialsId }, o.helmAuth, o.registry);
  } catch (error) {
    return fail((error as Error).message, error);
  }
  for (const base of o.helmChartsDirs) {
    let dir: string;
    try {
      dir = chart.pulledChartDir(base, version);
    } catch (error) {
      return fail((error as Error).message, error);
    }
    if (!isDirectory(dir)) continue;
    const state = needsPull(dir, version, false);
    if (!state.needsPull) return dir;
    if (state.versionChanged && !c.skipPrePull)
      fail(
        `pre-pulled Helm Chart ${chart.chartName} need to be pulled (call 'kluctl helm-pull'). Desired version is ${version} while pre-pulled version is ${state.pulledVersion}`,
      );
  }
  if (!c.skipPrePull)
    fail(
      `Helm Chart ${chart.chartName} has not been pre-pulled, which is not allowed when skipPrePull is not enabled. Run 'kluctl helm-pull' to pre-pull all Helm Charts`,
    );
  try {
    return await chart.pullCached(version, o.helmCacheDir, o.signal);
  } catch (error) {
    if (isCancellation(error) || o.signal?.aborted) throw new CancelledError(`pulling Helm Chart ${chart.chartName}`);
    return fail(
      `rendering helm chart ${chart.chartName} for release ${c.releaseName} has failed: pulling version ${version} from ${repo}: ${(error as Error).message}`,
      error,
    );
  }
}
