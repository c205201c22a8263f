/**
 * Charts from Helm repositories, pulled as kluctl v2.22.1's `pkg/helm/chart.go` does: into `.helm-charts`
 * (`kluctl helm-pull`) or the cache dir (`skipPrePull`), in kluctl's layout
 * `<scheme>[_<port>]_<host>/<url path lowercased>/<chartName>/<version>`. The repository protocol sits behind
 * `ChartSource`: a Helm repository (index.yaml + .tgz over HTTP(S)) or an OCI registry (`OciSource`, engine/oci).
 */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withFileLock } from '../git/file-lock.js';
import { defaultCacheDir } from '../git/repo-cache.js';
import { parseYaml } from '../yaml/strict.js';
import { isMap } from '../../util/go-values.js';
import { scalarText } from '../../util/scalar.js';
import { chartNameOf, readChartArchive, writeChartFiles } from './chart-archive.js';
import type { HelmAuthProvider } from './credentials.js';
import { httpGet, HttpStatusError, type HttpAuth } from './http-get.js';
import { compareVersions, parseConstraints, parseVersion } from './semver.js';
import { RegistryClient } from '../oci/client.js';
import { RegistryCredentials } from '../oci/credentials.js';
import { listOciChartVersions, pullOciChart } from '../oci/helm-chart.js';

/** index.yaml of a big public repository is tens of MB; a chart archive a few MB. */
export const INDEX_MAX_BYTES = 64 * 1024 * 1024;
export const CHART_MAX_BYTES = 32 * 1024 * 1024;
export const HTTP_TIMEOUT_MS = 120_000;
/** kluctl re-pulls a cached chart after a day. */
const CACHE_MAX_AGE_MS = 24 * 3600_000;

/** How a chart's repository is spoken to. */
export interface ChartSource {
  /** All versions the repository offers for the chart. */
  queryVersions(signal?: AbortSignal): Promise<string[]>;
  /** Pulls `version` into the new, empty directory `dir` (the chart's files directly inside). */
  pullTo(version: string, dir: string, signal?: AbortSignal): Promise<void>;
}

export const isOci = (repo: string): boolean => repo.startsWith('oci://');

/** A chart of a repository (`repo` + `chartName`) or a registry (`oci://…/<chart>`). */
export class RemoteChart {
  readonly chartName: string;

  constructor(
    readonly repo: string,
    chartName: string | undefined,
    private readonly source: ChartSource,
  ) {
    if (isOci(repo)) {
      if (chartName) throw new Error("chartName can't be specified when using OCI repos");
      const last = repo.split('/').pop() ?? '';
      if (!/[a-zA-Z_-]+/.test(last)) throw new Error(`invalid oci chart url: ${repo}`);
      this.chartName = last;
    } else {
      if (!chartName) throw new Error('chartName is missing');
      this.chartName = chartName;
    }
  }

  /** kluctl's `BuildPulledChartDir`: the chart's directory under `baseDir`, for one version or all of them. */
  pulledChartDir(baseDir: string, version?: string): string {
    let u: URL;
    try {
      u = new URL(this.repo);
    } catch {
      throw new Error(`invalid repo URL ${this.repo}`);
    }
    let scheme = u.protocol.replace(/:$/, '');
    if (!['oci', 'http', 'https'].includes(scheme)) throw new Error(`unsupported scheme in ${this.repo}`);
    // WHATWG URL drops the default port, which Go's URL.Port() would keep: both give no suffix for it.
    if (u.port) scheme += `_${u.port}`;
    const segments = decodeURIComponent(u.pathname).toLowerCase().split('/').filter(Boolean);
    if (!isOci(this.repo)) segments.push(this.chartName);
    if (version) segments.push(version);
    const dir = path.resolve(baseDir, `${scheme}_${u.hostname.toLowerCase()}`, ...segments);
    const base = path.resolve(baseDir);
    if (dir !== base && !dir.startsWith(base + path.sep)) throw new Error(`${dir} is not inside ${base}`);
    return dir;
  }

  queryVersions(signal?: AbortSignal): Promise<string[]> {
    return this.source.queryVersions(signal);
  }

  /** Pulls `version` into `dir`, replacing what was there (through a temp dir beside it: never half a chart). */
  async pullInto(dir: string, version: string, signal?: AbortSignal): Promise<void> {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = fs.mkdtempSync(path.join(path.dirname(dir), `.${this.chartName}-pull-`));
    try {
      const staged = path.join(tmp, 'chart');
      fs.mkdirSync(staged);
      await this.source.pullTo(version, staged, signal);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(staged, dir);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** kluctl's `PullCached`: the chart in the cache dir, pulled when missing, outdated or older than a day. */
  async pullCached(version: string, cacheDir = defaultCacheDir(), signal?: AbortSignal): Promise<string> {
    const dir = this.pulledChartDir(path.join(cacheDir, 'helm-charts'), version);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    return withFileLock(
      `${dir}.lock`,
      async () => {
        if (needsPull(dir, version, true).needsPull) await this.pullInto(dir, version, signal);
        return dir;
      },
      signal,
    );
  }

  /** kluctl's `PullInProject`: through the cache into `<baseChartsDir>/…/<version>`. */
  async pullInProject(
    baseChartsDir: string,
    version: string,
    cacheDir?: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const cached = await this.pullCached(version, cacheDir, signal);
    const target = this.pulledChartDir(baseChartsDir, version);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = fs.mkdtempSync(path.join(path.dirname(target), `.${this.chartName}-copy-`));
    try {
      fs.cpSync(cached, path.join(tmp, 'chart'), { recursive: true, verbatimSymlinks: true });
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(path.join(tmp, 'chart'), target);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return target;
  }
}

/** kluctl's `CheckNeedsPull` of a pulled chart dir: missing, a different version inside, or (cache) a day old. */
export function needsPull(
  dir: string,
  version: string,
  isCache: boolean,
): { needsPull: boolean; versionChanged: boolean; pulledVersion?: string } {
  const chartYaml = ['Chart.yaml', 'Chart.yml'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!chartYaml || !fs.statSync(dir).isDirectory()) return { needsPull: true, versionChanged: false };
  if (isCache && Date.now() - fs.statSync(chartYaml).mtimeMs >= CACHE_MAX_AGE_MS)
    return { needsPull: true, versionChanged: false };
  const meta = parseYaml(fs.readFileSync(chartYaml, 'utf8'), chartYaml);
  const pulledVersion = isMap(meta) && meta.version !== undefined ? scalarText(meta.version) : '';
  if (pulledVersion !== version) return { needsPull: true, versionChanged: true, pulledVersion };
  return { needsPull: false, versionChanged: false, pulledVersion };
}

interface IndexEntry {
  version: string;
  urls: string[];
  digest?: string;
}

/** A Helm chart repository: `<repo>/index.yaml` and the archives it lists. */
export class HelmRepoSource implements ChartSource {
  private index?: Promise<Map<string, IndexEntry[]>>;

  constructor(
    private readonly repo: string,
    private readonly chartName: string,
    private readonly auth: HttpAuth | undefined,
  ) {}

  private get(url: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return httpGet(url, {
      auth: this.auth,
      authHost: new URL(this.repo).host,
      maxBytes,
      timeoutMs: HTTP_TIMEOUT_MS,
      signal,
    });
  }

  private loadIndex(signal?: AbortSignal): Promise<Map<string, IndexEntry[]>> {
    this.index ??= (async () => {
      const u = new URL(this.repo);
      u.pathname = `${u.pathname.replace(/\/+$/, '')}/index.yaml`;
      let body: Buffer;
      try {
        body = await this.get(u.toString(), INDEX_MAX_BYTES, signal);
      } catch (error) {
        const hint =
          error instanceof HttpStatusError && error.status === 401
            ? ' (wrong or missing credentials: --helm-username/--helm-password)'
            : '';
        throw new Error(
          `looks like "${this.repo}" is not a valid chart repository or cannot be reached: ${(error as Error).message}${hint}`,
          { cause: error },
        );
      }
      return parseIndex(body.toString('utf8'), u.toString());
    })();
    this.index.catch(() => (this.index = undefined));
    return this.index;
  }

  async queryVersions(signal?: AbortSignal): Promise<string[]> {
    const entries = (await this.loadIndex(signal)).get(this.chartName);
    if (!entries?.length) throw new Error(`helm chart ${this.chartName} not found in Repo index`);
    return entries.map((e) => e.version);
  }

  async pullTo(version: string, dir: string, signal?: AbortSignal): Promise<void> {
    const entries = (await this.loadIndex(signal)).get(this.chartName) ?? [];
    const entry = findVersion(entries, version);
    if (!entry)
      throw new Error(
        `chart "${this.chartName}"${version ? ` version "${version}"` : ''} not found in ${this.repo} repository`,
      );
    if (!entry.urls.length) throw new Error(`chart "${this.chartName}" version "${version}" has no downloadable URLs`);
    const base = new URL(this.repo);
    base.pathname = `${base.pathname.replace(/\/+$/, '')}/`;
    const url = new URL(entry.urls[0], base).toString();
    let tgz: Buffer;
    try {
      tgz = await this.get(url, CHART_MAX_BYTES, signal);
    } catch (error) {
      const hint =
        error instanceof HttpStatusError && error.status === 401
          ? ' (wrong or missing credentials: --helm-username/--helm-password)'
          : '';
      throw new Error(`${(error as Error).message}${hint}`, { cause: error });
    }
    if (entry.digest) {
      const got = createHash('sha256').update(tgz).digest('hex');
      if (got !== entry.digest.replace(/^sha256:/, '').toLowerCase())
        throw new Error(`chart ${url}: digest mismatch: index.yaml says ${entry.digest}, the archive is sha256:${got}`);
    }
    const files = readChartArchive(tgz);
    const name = chartNameOf(files, (t) => parseYaml(t, `${url}!Chart.yaml`));
    if (name !== this.chartName)
      throw new Error(`chart ${url} is named ${JSON.stringify(name)}, not ${JSON.stringify(this.chartName)}`);
    writeChartFiles(dir, files);
  }
}

/** Helm's `IndexFile.Get`: an exact version string first, else the highest version the text as a constraint allows. */
export function findVersion(entries: IndexEntry[], version: string): IndexEntry | undefined {
  if (version) {
    const exact = entries.find((e) => e.version === version);
    if (exact) return exact;
  }
  const c = parseConstraints(version || '*');
  return entries.find((e) => {
    const v = parseVersion(e.version);
    return v !== undefined && c.check(v);
  });
}

/** index.yaml: per chart, the entries with a version, newest first (Helm's `SortEntries`). */
export function parseIndex(text: string, file: string): Map<string, IndexEntry[]> {
  const doc = parseYaml(text, file);
  if (!isMap(doc)) throw new Error(`${file}: not a chart repository index`);
  if (!doc.apiVersion) throw new Error(`${file}: no API version specified`);
  const out = new Map<string, IndexEntry[]>();
  const entries = isMap(doc.entries) ? doc.entries : {};
  for (const [name, list] of Object.entries(entries)) {
    if (!Array.isArray(list)) continue;
    const valid: IndexEntry[] = [];
    for (const e of list) {
      if (!isMap(e) || (typeof e.version !== 'string' && typeof e.version !== 'number')) continue;
      const urls = Array.isArray(e.urls) ? e.urls.filter((u): u is string => typeof u === 'string') : [];
      valid.push({ version: scalarText(e.version), urls, digest: typeof e.digest === 'string' ? e.digest : undefined });
    }
    valid.sort((a, b) => {
      const va = parseVersion(a.version);
      const vb = parseVersion(b.version);
      if (!va || !vb) return va ? -1 : vb ? 1 : 0;
      return compareVersions(vb, va);
    });
    out.set(name, valid);
  }
  return out;
}

/** A Helm chart in an OCI registry (`oci://host/path/<chart>`), with kluctl's registry credentials. */
export class OciSource implements ChartSource {
  constructor(
    private readonly repo: string,
    private readonly chartName: string,
    private readonly client: RegistryClient,
  ) {}

  queryVersions(signal?: AbortSignal): Promise<string[]> {
    return listOciChartVersions(this.client, this.repo, signal);
  }

  async pullTo(version: string, dir: string, signal?: AbortSignal): Promise<void> {
    const { tgz } = await pullOciChart(this.client, this.repo, version, { signal, maxChartBytes: CHART_MAX_BYTES });
    const files = readChartArchive(tgz);
    const name = chartNameOf(files, (t) => parseYaml(t, `${this.repo}:${version}!Chart.yaml`));
    if (name !== this.chartName)
      throw new Error(
        `chart ${this.repo}:${version} is named ${JSON.stringify(name)}, not ${JSON.stringify(this.chartName)}`,
      );
    writeChartFiles(dir, files);
  }
}

/** The chart of a helm-chart.yaml (`repo`, `chartName`, `credentialsId`), with the credentials that match it. */
export function remoteChart(
  c: { repo: string; chartName?: string; credentialsId?: string },
  auth: HelmAuthProvider | undefined,
  registry?: RegistryClient,
): RemoteChart {
  if (isOci(c.repo)) {
    if (c.credentialsId)
      throw new Error(
        'OCI charts can currently only be authenticated via registry login and environment variables but not via cli arguments',
      );
    // As kluctl: OCI charts use the registry credentials (--registry-*, KLUCTL_REGISTRY_*, the Docker config).
    const client = registry ?? new RegistryClient({ credentials: new RegistryCredentials(undefined, process.env) });
    return new RemoteChart(c.repo, c.chartName, new OciSource(c.repo, c.repo.split('/').pop() ?? '', client));
  }
  let u: URL;
  try {
    u = new URL(c.repo);
  } catch {
    throw new Error(`invalid repo URL ${c.repo}`);
  }
  const creds = auth?.find(u, c.credentialsId);
  if (!creds && c.credentialsId) throw new Error(`no credentials found for Chart ${c.chartName}`);
  return new RemoteChart(c.repo, c.chartName, new HelmRepoSource(c.repo, c.chartName ?? '', creds));
}
