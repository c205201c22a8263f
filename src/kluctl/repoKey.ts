import * as path from 'node:path';
import type { KluctlDeployment } from './types.js';

/** Kluctl's identity of a Git repository: host (with a non-default port) and path, transport dropped. */
export interface RepoKey {
  type: 'git';
  host: string;
  path: string;
}

/** A Git URL split into the parts Kluctl's normalisation looks at; user info is never kept. */
export interface GitUrl {
  scheme: string;
  /** IPv6 addresses without brackets. */
  hostname: string;
  port: string;
  /** Percent-decoded, as Go's `url.URL.Path`. */
  path: string;
}

/** A local checkout's project, or one of a KluctlDeployment's, as a repository and a sub-directory in it. */
export interface GitProjectKey {
  repoKey: RepoKey;
  /** Forward slashes, no leading or trailing `/`, `""` for the repository root. */
  subDir: string;
}

const SCHEME_PREFIX = /^[^:]+:\/\//;
const VALID_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*$/;
// git's scp-like syntax `[user@]host:[port:]path`, as go-git matches it.
const SCP_LIKE = /^(?:([^@]+)@)?([^:\s]+):(?:([0-9]{1,5}):)?([^\\].*)$/;
// Not in go-git: `[user@][v6addr]:[port:]path`, git's own scp syntax for IPv6 hosts.
const SCP_LIKE_IPV6 = /^(?:([^@]+)@)?\[([0-9a-fA-F:.%]+)\]:(?:([0-9]{1,5}):)?([^\\].*)$/;
const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  http: '80',
  https: '443',
  git: '22', // sic: Kluctl treats git:// like ssh here, not as 9418
  'git+ssh': '22',
  ssh: '22',
  ftp: '21',
  rsync: '873',
};

/**
 * Parses a Git remote URL the way Kluctl does (go-git's `ParseURL`, then Go's `net/url`): `scheme://…` URLs,
 * scp-like `user@host:path` and `host:port:path` (read as ssh). Local paths and `file://` are rejected, as
 * Kluctl rejects them.
 */
export function parseGitUrl(url: string): GitUrl {
  const text = url.trim();
  if (SCHEME_PREFIX.test(text)) return parseSchemeUrl(text);
  // A drive letter also fits the scp pattern (host "C"); git reads it as a local path, and so do we.
  const scp = WINDOWS_DRIVE.test(text) ? null : (SCP_LIKE_IPV6.exec(text) ?? SCP_LIKE.exec(text));
  if (!scp) throw new Error(`"${redactGitUrl(text)}" is not a Git URL: local paths are not supported`);
  const [, , hostname, port = '', scpPath] = scp;
  return { scheme: 'ssh', hostname, port, path: scpPath.startsWith('/') ? scpPath : `/${scpPath}` };
}

/** The URL without user info (`https://user:token@host/x` → `https://host/x`), for messages and display. */
export function redactGitUrl(url: string): string {
  return url.replace(/^([^:/]+:\/\/)[^/?#]*@/, '$1');
}

function parseSchemeUrl(url: string): GitUrl {
  const shown = redactGitUrl(url);
  const separator = url.indexOf('://');
  const scheme = url.slice(0, separator).toLowerCase();
  if (!VALID_SCHEME.test(scheme)) throw new Error(`"${shown}" is not a Git URL: invalid scheme "${scheme}"`);
  if (scheme === 'file') throw new Error(`"${shown}" is not supported: Kluctl rejects file:// URLs`);
  const rest = url.slice(separator + 3).replace(/[?#].*$/s, '');
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const { hostname, port } = splitHostPort(hostPort, shown);
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(slash < 0 ? '' : rest.slice(slash));
  } catch {
    throw new Error(`"${shown}" is not a Git URL: invalid %-escape in the path`);
  }
  return { scheme, hostname, port, path: decodedPath };
}

function splitHostPort(hostPort: string, shown: string): { hostname: string; port: string } {
  let hostname = hostPort;
  let port = '';
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    const after = close < 0 ? '' : hostPort.slice(close + 1);
    if (close < 0 || (after !== '' && !after.startsWith(':')))
      throw new Error(`"${shown}" is not a Git URL: malformed IPv6 host`);
    hostname = hostPort.slice(1, close);
    port = after.slice(1);
  } else if (hostPort.includes(':')) {
    const colon = hostPort.lastIndexOf(':');
    hostname = hostPort.slice(0, colon);
    port = hostPort.slice(colon + 1);
  }
  if (!/^[0-9]*$/.test(port)) throw new Error(`"${shown}" is not a Git URL: invalid port "${port}"`);
  return { hostname, port };
}

/**
 * Kluctl's `ParseGitUrl(url).RepoKey()` (`Normalize()` in `lib/git/types/git_url.go`): lower-cased host and
 * path, one `.git` stripped unless the last segment is `.git`, then one trailing `/`, default port dropped.
 * This is the key the controller's repo cache and source overrides use.
 * One deliberate difference: IPv6 hosts keep their brackets (Kluctl emits `::1:2222`, which its own
 * `ParseRepoKey` cannot read back).
 */
export function normalizeGitUrl(url: string): RepoKey {
  const parsed = parseGitUrl(url);
  let p = parsed.path.toLowerCase();
  if (path.posix.basename(p) !== '.git') p = stripSuffix(p, '.git');
  p = stripSuffix(p, '/');
  const defaultPort = DEFAULT_PORTS[parsed.scheme];
  const port = parsed.port === defaultPort ? '' : parsed.port;
  return newRepoKey(formatHost(parsed.hostname.toLowerCase(), port), p);
}

/**
 * The KluctlDeployment side of the real CLI's auto-detection (`NewRepoKeyFromGitUrl`, kluctl v2.28): host
 * and path as written, explicit ports kept, any trailing `.git` stripped. It differs from `normalizeGitUrl`
 * for upper case and explicit default ports; kept so tests can show where the CLI fails to match.
 */
export function kdRepoKeyKluctl(url: string): RepoKey {
  const parsed = parseGitUrl(url);
  return newRepoKey(formatHost(parsed.hostname, parsed.port), stripSuffix(parsed.path, '.git'));
}

/** `git://host[:port]/path`, or `""` for an empty key (as Kluctl prints it). */
export function repoKeyString(key: RepoKey): string {
  return key.host === '' && key.path === '' ? '' : `${key.type}://${key.host}/${key.path}`;
}

/**
 * A KluctlDeployment's `source.*.path` or `status.projectKey.subDir`, or a local sub-directory, in one form:
 * forward slashes, POSIX-normalised, no leading `./` or `/` (the path is always inside the repository) and no
 * trailing `/`; `.` becomes `""`. Case is kept: directory names are case-sensitive on the controller.
 */
export function normalizeSubDir(subDir: string | undefined): string {
  if (!subDir) return '';
  const normalized = path.posix.normalize(subDir.replace(/\\/g, '/')).replace(/^\/+/, '').replace(/\/+$/, '');
  return normalized === '.' ? '' : normalized;
}

/**
 * Whether a KluctlDeployment deploys the given local project. A superset of the CLI's auto-detection: both
 * sides are fully normalised, and `spec.source.git`, the legacy `spec.source.url`/`path` and the controller's
 * `status.projectKey` are all tried.
 * - Transport does not matter: https, http, ssh and scp-like URLs of the same host and path are one repository.
 * - A non-default port does: on one host (localhost above all) ports tell servers apart, and the controller
 *   would not apply a source override across them either.
 * - `repo`, `repo.git` and `repo.git/` are one repository (Kluctl itself keeps `.git` when a `/` follows it).
 * OCI sources never match a Git checkout.
 */
export function matchesDeployment(local: GitProjectKey, kd: KluctlDeployment): boolean {
  const wanted = comparable(local.repoKey, local.subDir);
  return deploymentProjectKeys(kd).some((key) => comparable(key.repoKey, key.subDir) === wanted);
}

/** Every Git project key a KluctlDeployment can be identified by; unparsable URLs are skipped. */
export function deploymentProjectKeys(kd: KluctlDeployment): GitProjectKey[] {
  const source = kd.spec?.source ?? {};
  const statusKey = kd.status?.projectKey;
  const candidates: Array<[string | undefined, string | undefined]> = [
    [source.git?.url, source.git?.path],
    [source.url, source.path],
    // Written by the controller with NewRepoKeyFromGitUrl (case and explicit ports kept). Read as a git:// URL,
    // whose default port is Kluctl's 22, it loses the `:22` an ssh URL leaves there.
    [statusKey?.repoKey?.startsWith('git://') ? statusKey.repoKey : undefined, statusKey?.subDir],
  ];
  return candidates.flatMap(([url, subDir]) => {
    if (!url) return [];
    try {
      return [{ repoKey: normalizeGitUrl(url), subDir: normalizeSubDir(subDir) }];
    } catch {
      return [];
    }
  });
}

function comparable(repoKey: RepoKey, subDir: string): string {
  let p = repoKey.path.toLowerCase().replace(/\/+$/, '');
  if (path.posix.basename(p) !== '.git') p = stripSuffix(p, '.git').replace(/\/+$/, '');
  return `${repoKey.host.toLowerCase()}/${p}\n${normalizeSubDir(subDir)}`;
}

function newRepoKey(host: string, p: string): RepoKey {
  return { type: 'git', host, path: stripPrefix(stripSuffix(p, '/'), '/') };
}

function formatHost(hostname: string, port: string): string {
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return port ? `${host}:${port}` : host;
}

function stripSuffix(s: string, suffix: string): string {
  return s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
}

function stripPrefix(s: string, prefix: string): string {
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}
