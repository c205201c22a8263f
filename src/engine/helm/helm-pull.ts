/**
 * `helm-pull` and `helm-update` as kluctl v2.22.1's commands (`cmd/kluctl/commands/cmd_helm_pull.go`,
 * `cmd_helm_update.go`): every helm-chart.yaml of the project read unrendered, repository charts pre-pulled into
 * `<project>/.helm-charts`, unused versions removed, newer versions found (and with `upgrade` written back, with
 * `commit` committed through the project's git runner).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { runGit } from '../../util/git-command.js';
import { scalarText } from '../../util/scalar.js';
import { CancelledError } from '../../util/errors.js';
import { toGoYaml } from '../../kluctl/yaml/go-yaml.js';
import { ProjectError } from '../errors.js';
import { exists, gitRoot } from '../project/paths.js';
import { isHelmChartFile, readHelmChart, type HelmChartConfig } from './helm-chart.js';
import { remoteChart, type RemoteChart } from './chart-pull.js';
import type { HelmAuthProvider } from './credentials.js';
import type { RegistryClient } from '../oci/client.js';
import { compareVersions, latestVersion, parseVersion } from './semver.js';

export interface HelmCommandOptions {
  projectDir: string;
  auth?: HelmAuthProvider;
  /** The client for `oci://` charts (the `--registry-*` credentials); one from the environment when absent. */
  registry?: RegistryClient;
  /** The engine's cache dir (`<dir>/helm-charts`); the default when absent. */
  cacheDir?: string;
  signal?: AbortSignal;
  /** kluctl's status lines, one per call. */
  log: (line: string) => void;
}

interface Release {
  configFile: string;
  config: HelmChartConfig;
  chart: RemoteChart;
}

/** A project walk is bounded: this many directory entries at most. */
const MAX_WALK_ENTRIES = 200_000;
/** kluctl pulls 8 charts at once. */
const PARALLEL = 8;

function requireProjectRoot(projectDir: string, command: string): void {
  if (!exists(path.join(projectDir, '.kluctl.yaml')) && !exists(path.join(projectDir, '.kluctl.yml')))
    throw new Error(`${command} can only be used on the root of a Kluctl project that must have a .kluctl.yaml file`);
}

/** kluctl's `loadHelmReleases`: every helm-chart.y(a)ml under the project with a repository chart. */
export function loadHelmReleases(
  projectDir: string,
  auth?: HelmAuthProvider,
  registry?: RegistryClient,
): { releases: Release[]; charts: RemoteChart[] } {
  const releases: Release[] = [];
  const charts = new Map<string, RemoteChart>();
  let seen = 0;
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (++seen > MAX_WALK_ENTRIES) throw new Error(`${projectDir}: more than ${MAX_WALK_ENTRIES} files`);
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(p);
        continue;
      }
      if (!e.isFile() || !isHelmChartFile(e.name) || e.name.toLowerCase() !== e.name) continue;
      const config = readHelmChart(p, undefined, false);
      if (config.chartVersion !== undefined && config.chartVersion !== '' && !parseVersion(String(config.chartVersion)))
        throw new ProjectError(
          p,
          undefined,
          `invalid chart version '${config.chartVersion}': Invalid Semantic Version`,
        );
      // Local and Git charts are not pulled here (kluctl v2.22.1 has no Git charts).
      if (config.path !== undefined || config.git !== undefined || !config.repo) continue;
      let chart: RemoteChart;
      try {
        chart = remoteChart(
          { repo: String(config.repo), chartName: config.chartName, credentialsId: config.credentialsId },
          auth,
          registry,
        );
      } catch (error) {
        throw new ProjectError(p, undefined, (error as Error).message, { cause: error });
      }
      const key = `${chart.repo} / ${chart.chartName}`;
      if (!charts.has(key)) charts.set(key, chart);
      releases.push({ configFile: p, config, chart: charts.get(key)! });
    }
  };
  walk(projectDir);
  return { releases, charts: [...charts.values()] };
}

async function parallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<Error[]> {
  const errors: Error[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        errors.push(error as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return errors;
}

/** kluctl's `doHelmPull`: the number of actions (pulls and removals) it took, or would take with `dryRun`. */
export async function helmPull(o: HelmCommandOptions & { dryRun?: boolean; force?: boolean }): Promise<number> {
  const baseChartsDir = path.join(o.projectDir, '.helm-charts');
  const { releases, charts } = loadHelmReleases(o.projectDir, o.auth, o.registry);
  let actions = 0;
  const pulls: { chart: RemoteChart; version: string }[] = [];
  for (const chart of charts) {
    const versions = new Set(
      releases.filter((r) => r.chart === chart && !r.config.skipPrePull).map((r) => String(r.config.chartVersion)),
    );
    const chartsDir = chart.pulledChartDir(baseChartsDir);
    const existing = fs.existsSync(chartsDir) ? fs.readdirSync(chartsDir, { withFileTypes: true }) : [];
    for (const de of existing) {
      if (!de.isDirectory() || versions.has(de.name)) continue;
      actions++;
      if (!o.dryRun) {
        o.log(`Removing unused Chart with version ${de.name}`);
        fs.rmSync(path.join(chartsDir, de.name), { recursive: true, force: true });
      }
    }
    for (const version of versions) {
      if (exists(path.join(chartsDir, version, 'Chart.yaml')) && !o.force) continue;
      actions++;
      if (!o.dryRun) pulls.push({ chart, version });
    }
  }
  const errors = await parallel(pulls, async ({ chart, version }) => {
    o.log(`${chart.chartName}: Pulling Chart with version ${version}`);
    try {
      await chart.pullInProject(baseChartsDir, version, o.cacheDir, o.signal);
    } catch (error) {
      if (o.signal?.aborted) throw error;
      o.log(`${chart.chartName}: ${(error as Error).message}`);
      throw new Error(
        `Helm Chart ${chart.chartName} version ${version} (${filesOf(o.projectDir, releases, chart, version)}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  if (o.signal?.aborted) throw new CancelledError('helm-pull');
  if (errors.length)
    throw new Error(`command failed: ${errors.map((e) => e.message).join('; ')}`, { cause: errors[0] });
  return actions;
}

/** The helm-chart.yaml files (relative) that use `chart` at `version`. */
function filesOf(projectDir: string, releases: Release[], chart: RemoteChart, version: string): string {
  return releases
    .filter((r) => r.chart === chart && String(r.config.chartVersion) === version)
    .map((r) => path.relative(projectDir, r.configFile).split(path.sep).join('/'))
    .join(', ');
}

export interface ChartUpdate {
  /** helm-chart.yaml, relative to the project dir (slashes). */
  file: string;
  chartName: string;
  repo: string;
  currentVersion: string;
  latestVersion: string;
  /** Every version the repository offers, newest first. */
  versions: string[];
  skipUpdate: boolean;
}

/** The versions of every repository chart and the newest one each helm-chart.yaml's constraints allow. */
export async function checkChartUpdates(o: HelmCommandOptions): Promise<ChartUpdate[]> {
  const { releases, charts } = loadHelmReleases(o.projectDir, o.auth, o.registry);
  const versions = new Map<RemoteChart, string[]>();
  const errors = await parallel(charts, async (chart) => {
    o.log(`${chart.chartName}: Querying versions`);
    try {
      versions.set(chart, await chart.queryVersions(o.signal));
    } catch (error) {
      o.log(`${chart.chartName}: ${(error as Error).message}`);
      const files = releases.filter((r) => r.chart === chart).map((r) => path.relative(o.projectDir, r.configFile));
      throw new Error(`Helm Chart ${chart.chartName} (${files.join(', ')}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
  if (errors.length) throw errors[0];
  return releases.map((r) => {
    const all = versions.get(r.chart)!;
    let latest: string;
    try {
      latest = latestVersion(all, r.config.updateConstraints);
    } catch (error) {
      throw new ProjectError(r.configFile, undefined, (error as Error).message, { cause: error });
    }
    return {
      file: path.relative(o.projectDir, r.configFile).split(path.sep).join('/'),
      chartName: r.chart.chartName,
      repo: r.chart.repo,
      currentVersion: String(r.config.chartVersion ?? ''),
      latestVersion: latest,
      versions: [...all].sort((a, b) => {
        const va = parseVersion(a);
        const vb = parseVersion(b);
        return va && vb ? compareVersions(vb, va) : va ? -1 : vb ? 1 : 0;
      }),
      skipUpdate: !!r.config.skipUpdate,
    };
  });
}

/**
 * helm-chart.yaml with a new chartVersion, written as kluctl's `Release.Save` writes it (sigs.k8s.io/yaml of the
 * config struct: known fields only, keys sorted, comments gone).
 */
export function writeChartVersion(configFile: string, version: string): void {
  const c = readHelmChart(configFile, undefined, false);
  const out: Record<string, unknown> = {};
  const str = (k: keyof HelmChartConfig, omitEmpty = true) => {
    const v = c[k];
    if (v === undefined || v === null || (omitEmpty && v === '')) return;
    out[k] = scalarText(v);
  };
  str('repo');
  str('path');
  if (c.credentialsId !== undefined) out.credentialsId = String(c.credentialsId);
  str('chartName');
  out.chartVersion = version;
  if (c.updateConstraints !== undefined) out.updateConstraints = String(c.updateConstraints);
  out.releaseName = String(c.releaseName);
  if (c.namespace !== undefined) out.namespace = String(c.namespace);
  if (c.output !== undefined) out.output = String(c.output);
  for (const k of ['skipCRDs', 'skipUpdate', 'skipPrePull'] as const) if (c[k]) out[k] = true;
  if (c.git !== undefined) out.git = c.git;
  fs.writeFileSync(configFile, toGoYaml({ helmChart: out }));
}

/**
 * The editor's "apply": only `helmChart.chartVersion` of helm-chart.yaml changes; comments, key order and the rest
 * of the text stay (kluctl's `--upgrade` rewrites the whole file instead, see writeChartVersion).
 */
export function applyChartVersion(configFile: string, version: string): void {
  const text = fs.readFileSync(configFile, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ProjectError(configFile, undefined, doc.errors[0].message);
  if (!doc.hasIn(['helmChart', 'chartVersion']))
    throw new ProjectError(configFile, undefined, 'helmChart.chartVersion is missing');
  doc.setIn(['helmChart', 'chartVersion'], version);
  fs.writeFileSync(configFile, doc.toString({ lineWidth: 0 }));
}

/** kluctl's `helm-update`: reports newer versions; `upgrade` writes them and pulls; `commit` commits each upgrade. */
export async function helmUpdate(
  o: HelmCommandOptions & { upgrade?: boolean; commit?: boolean },
): Promise<ChartUpdate[]> {
  requireProjectRoot(o.projectDir, 'helm-update');
  const root = gitRoot(o.projectDir);
  const git = (args: string[]) => {
    if (!root) throw new Error(`${o.projectDir} is not inside a git repository`);
    return runGit(args, { cwd: root, signal: o.signal });
  };
  if (o.commit) {
    const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    const chartsPrefix = path.relative(root!, path.join(o.projectDir, '.helm-charts')).split(path.sep).join('/') + '/';
    for (const rec of status.split('\0').filter(Boolean)) {
      const code = rec.slice(0, 2);
      const file = rec.slice(3);
      if (file.startsWith(chartsPrefix) || file.startsWith('.helm-charts/'))
        throw new Error('--commit can only be used when .helm-chart directory is clean');
      if (code !== '??') throw new Error('--commit can only be used when the git worktree is unmodified');
    }
    if ((await helmPull({ ...o, dryRun: true })) !== 0)
      throw new Error('.helm-charts is not up-to-date. Please run helm-pull before');
  }
  const updates = await checkChartUpdates(o);
  // kluctl also downloads every version in use into the cache (checks that it can still be pulled).
  const { releases } = loadHelmReleases(o.projectDir, o.auth, o.registry);
  const inUse = new Map<string, { chart: RemoteChart; version: string }>();
  for (const r of releases)
    inUse.set(`${r.chart.repo} / ${r.chart.chartName} / ${r.config.chartVersion}`, {
      chart: r.chart,
      version: String(r.config.chartVersion),
    });
  const errors = await parallel([...inUse.values()], async ({ chart, version }) => {
    o.log(`${chart.chartName}: Downloading Chart with version ${version} into cache`);
    try {
      await chart.pullCached(version, o.cacheDir, o.signal);
    } catch (error) {
      if (o.signal?.aborted) throw error;
      throw new Error(
        `Helm Chart ${chart.chartName} version ${version} (${filesOf(o.projectDir, releases, chart, version)}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  if (o.signal?.aborted) throw new CancelledError('helm-update');
  if (errors.length) throw errors[0];

  const groups = new Map<string, { chartName: string; oldVersion: string; newVersion: string; files: string[] }>();
  for (const u of updates) {
    const relDir = path.posix.dirname(u.file);
    if (u.currentVersion === u.latestVersion) continue;
    if (u.skipUpdate) {
      o.log(`${relDir}: Skipped update to version ${u.latestVersion}`);
      continue;
    }
    o.log(`${relDir}: Chart ${u.chartName} has new version ${u.latestVersion} available`);
    if (!o.upgrade) continue;
    const file = path.join(o.projectDir, ...u.file.split('/'));
    writeChartVersion(file, u.latestVersion);
    o.log(`${relDir}: Updated Chart version to ${u.latestVersion}`);
    const key = `${u.repo} / ${u.chartName} / ${u.currentVersion} / ${u.latestVersion}`;
    if (!groups.has(key))
      groups.set(key, { chartName: u.chartName, oldVersion: u.currentVersion, newVersion: u.latestVersion, files: [] });
    groups.get(key)!.files.push(file);
  }
  for (const g of groups.values()) {
    o.log(`Upgrading Chart ${g.chartName} from version ${g.oldVersion} to ${g.newVersion}`);
    await helmPull({ ...o, force: false });
    if (!o.commit) continue;
    const rel = (f: string) => path.relative(root!, f).split(path.sep).join('/');
    await git(['add', '--', ...g.files.map(rel)]);
    await git(['add', '--all', '--', rel(path.join(o.projectDir, '.helm-charts'))]);
    await git([
      'commit',
      '--quiet',
      '--no-verify',
      '-m',
      `Updated helm chart ${g.chartName} from version ${g.oldVersion} to version ${g.newVersion}`,
    ]);
    o.log(`Committed helm chart ${g.chartName} with version ${g.newVersion}`);
  }
  return updates;
}

/** `helm-pull` as the command runs it: forced re-pull of every version in use. */
export async function helmPullCommand(o: HelmCommandOptions): Promise<number> {
  requireProjectRoot(o.projectDir, 'helm-pull');
  return helmPull({ ...o, force: true });
}
