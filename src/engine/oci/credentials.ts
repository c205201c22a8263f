/**
 * Registry credentials as kluctl v2.22 finds them for an `oci://` URL (`pkg/oci/auth_provider`), first match wins:
 * 1. the `--registry-*` flags, each `<registry>[/<repo-glob>]=<value>` (`--registry-creds=<reg>/<repo>=user:pass`,
 *    `--registry-plain-http=<reg>/<repo>` without a value), grouped by the part before `=` in first-seen order;
 * 2. `KLUCTL_REGISTRY[_<n>]_{HOST,REPOSITORY,USERNAME,PASSWORD,IDENTITY_TOKEN,TOKEN,CA_FILE,CERT_FILE,KEY_FILE,
 *    PLAIN_HTTP,INSECURE_SKIP_TLS_VERIFY}` sets (and `KLUCTL_REGISTRY_DEFAULT_INSECURE_SKIP_TLS_VERIFY`);
 * 3. the Docker config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, else Podman's
 *    `$XDG_RUNTIME_DIR/containers/auth.json`) `auths` entries, keyed `host/repo` or `host`. Credential helpers
 *    (`credsStore`, `credHelpers`) are not run.
 * An entry of 1 or 2 without a login (only TLS settings) still takes the login from 3, as kluctl's crane client falls
 * back to its default keychain. The registry must equal the URL's (`host:port`); the repo glob matches the repository with `/` as separator
 * (`*` stays inside one path component, `**` crosses them), as gobwas/glob does.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOCKER_HUB, type OciReference } from './reference.js';

/** The `--registry-*` flags as given on the command line (plain data: it crosses into the engine worker). */
export interface RegistryFlags {
  username?: string[];
  password?: string[];
  identityToken?: string[];
  token?: string[];
  creds?: string[];
  keyFile?: string[];
  certFile?: string[];
  caFile?: string[];
  plainHttp?: string[];
  insecureSkipTlsVerify?: string[];
}

export interface RegistryAuth {
  registry: string;
  repoGlob?: string;
  username?: string;
  password?: string;
  /** Exchanged for an access token at the token endpoint (OAuth2 refresh token). */
  identityToken?: string;
  /** Sent as the bearer token as it is. */
  registryToken?: string;
  /** PEM contents. */
  ca?: string;
  cert?: string;
  key?: string;
  plainHttp?: boolean;
  insecureSkipTlsVerify?: boolean;
  /** Where the entry came from, for error messages (never the secret). */
  origin: string;
}

const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

function readSmallFile(file: string, what: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (error) {
    throw new Error(
      `${what}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  if (!st.isFile()) throw new Error(`${what}: ${file} is not a file`);
  if (st.size > MAX_CONFIG_FILE_BYTES)
    throw new Error(`${what}: ${file} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
  return fs.readFileSync(file, 'utf8');
}

/** gobwas/glob with `/` as separator, as a RegExp: `*`, `**`, `?`, `[...]`, `[!...]`, `{a,b}`. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new Error(`invalid repository glob '${glob}': unclosed '['`);
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else if (c === '\\' && i + 1 < glob.length) out += `\\${glob[++i]}`;
    else out += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  if (braces > 0) throw new Error(`invalid repository glob '${glob}': unclosed '{'`);
  return new RegExp(`^${out}$`);
}

function matches(e: RegistryAuth, ref: OciReference): boolean {
  if (e.registry !== ref.registry) return false;
  return e.repoGlob === undefined || globToRegExp(e.repoGlob).test(ref.repository);
}

/** The entries of the `--registry-*` flags, in kluctl's order (first appearance of each `<registry>/<repo>` key). */
export function entriesFromFlags(flags: RegistryFlags | undefined): RegistryAuth[] {
  const byKey = new Map<string, RegistryAuth>();
  const entry = (s: string, flag: string, expectValue: boolean): [RegistryAuth, string] => {
    const eq = s.indexOf('=');
    if (expectValue && eq < 0)
      throw new Error(`--registry-${flag}=${flag === 'password' ? '…' : s}: expected <registry>/<repo>=<value>`);
    const key = eq < 0 ? s : s.slice(0, eq);
    let e = byKey.get(key);
    if (!e) {
      const slash = key.indexOf('/');
      e = { registry: slash < 0 ? key : key.slice(0, slash), origin: `--registry-* ${key}` };
      if (slash >= 0) {
        e.repoGlob = key.slice(slash + 1);
        globToRegExp(e.repoGlob); // invalid globs fail here, as in kluctl
      }
      byKey.set(key, e);
    }
    return [e, eq < 0 ? '' : s.slice(eq + 1)];
  };
  for (const s of flags?.username ?? []) {
    const [e, v] = entry(s, 'username', true);
    e.username = v;
  }
  for (const s of flags?.password ?? []) {
    const [e, v] = entry(s, 'password', true);
    e.password = v;
  }
  for (const s of flags?.identityToken ?? []) {
    const [e, v] = entry(s, 'identity-token', true);
    e.identityToken = v;
  }
  for (const s of flags?.token ?? []) {
    const [e, v] = entry(s, 'token', true);
    e.registryToken = v;
  }
  for (const s of flags?.keyFile ?? []) {
    const [e, v] = entry(s, 'key-file', true);
    e.key = readSmallFile(v, '--registry-key-file');
  }
  for (const s of flags?.certFile ?? []) {
    const [e, v] = entry(s, 'cert-file', true);
    e.cert = readSmallFile(v, '--registry-cert-file');
  }
  for (const s of flags?.caFile ?? []) {
    const [e, v] = entry(s, 'ca-file', true);
    e.ca = readSmallFile(v, '--registry-ca-file');
  }
  for (const s of flags?.plainHttp ?? []) entry(s, 'plain-http', false)[0].plainHttp = true;
  for (const s of flags?.insecureSkipTlsVerify ?? [])
    entry(s, 'insecure-skip-tls-verify', false)[0].insecureSkipTlsVerify = true;
  for (const s of flags?.creds ?? []) {
    const [e, v] = entry(s, 'creds', true);
    const colon = v.indexOf(':');
    if (colon < 0) e.registryToken = v;
    else {
      e.username = v.slice(0, colon);
      e.password = v.slice(colon + 1);
    }
  }
  return [...byKey.values()];
}

/** Go's strconv.ParseBool. */
function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** kluctl's `utils.ParseEnvConfigSets(prefix)`: `<prefix>[_<n>]_<KEY>`, sets ordered by index (unindexed first). */
export function envConfigSets(
  prefix: string,
  env: NodeJS.ProcessEnv,
): Array<{ index: number; map: Map<string, string> }> {
  const re = new RegExp(`^${prefix}(_\\d+)?_(.*)$`);
  const sets = new Map<number, Map<string, string>>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const m = re.exec(name);
    if (!m) continue;
    const index = m[1] ? Number.parseInt(m[1].slice(1), 10) : -1;
    if (!Number.isSafeInteger(index)) continue;
    if (!sets.has(index)) sets.set(index, new Map());
    sets.get(index)!.set(m[2], value);
  }
  return [...sets.entries()].sort((a, b) => a[0] - b[0]).map(([index, map]) => ({ index, map }));
}

/** The `KLUCTL_REGISTRY_*` entries. */
export function entriesFromEnv(env: NodeJS.ProcessEnv, prefix = 'KLUCTL_REGISTRY'): RegistryAuth[] {
  const defaultInsecure = parseBool(env[`${prefix}_DEFAULT_INSECURE_SKIP_TLS_VERIFY`] ?? '') ?? false;
  const out: RegistryAuth[] = [];
  for (const { index, map } of envConfigSets(prefix, env)) {
    let host = map.get('HOST') ?? '';
    let repo = map.get('REPOSITORY') ?? '';
    if (host === '' && repo === '') continue;
    if (host === '') {
      const slash = repo.indexOf('/');
      if (slash < 0) continue;
      host = repo.slice(0, slash);
      repo = repo.slice(slash + 1);
    }
    const name = index < 0 ? prefix : `${prefix}_${index}`;
    const e: RegistryAuth = {
      registry: host,
      username: map.get('USERNAME') || undefined,
      password: map.get('PASSWORD') || undefined,
      identityToken: map.get('IDENTITY_TOKEN') || undefined,
      registryToken: map.get('TOKEN') || undefined,
      insecureSkipTlsVerify: defaultInsecure,
      origin: `${name}_*`,
    };
    if (repo !== '') {
      globToRegExp(repo);
      e.repoGlob = repo;
    }
    if (map.has('PLAIN_HTTP')) e.plainHttp = parseBool(map.get('PLAIN_HTTP')!) ?? false;
    if (map.has('INSECURE_SKIP_TLS_VERIFY'))
      e.insecureSkipTlsVerify = parseBool(map.get('INSECURE_SKIP_TLS_VERIFY')!) ?? false;
    if (map.has('CA_FILE')) e.ca = readSmallFile(map.get('CA_FILE')!, `${name}_CA_FILE`);
    if (map.has('CERT_FILE')) e.cert = readSmallFile(map.get('CERT_FILE')!, `${name}_CERT_FILE`);
    if (map.has('KEY_FILE')) e.key = readSmallFile(map.get('KEY_FILE')!, `${name}_KEY_FILE`);
    out.push(e);
  }
  return out;
}

/** The Docker config file go-containerregistry's default keychain reads, if any. */
export function dockerConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HOME ?? os.homedir();
  const candidates = [path.join(home, '.docker', 'config.json')];
  if (env.DOCKER_CONFIG) candidates.push(path.join(env.DOCKER_CONFIG, 'config.json'));
  if (candidates.some((f) => fs.existsSync(f)))
    return path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json');
  if (env.XDG_RUNTIME_DIR) {
    const podman = path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
    if (fs.existsSync(podman)) return podman;
  }
  return undefined;
}

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Docker's `ConvertToHostname`: `https://host/v1/` → `host`. */
function toHostname(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0];
}

/** The Docker config login for `ref` (keys `host/repo`, then `host`; Docker Hub as `https://index.docker.io/v1/`). */
export function entryFromDockerConfig(ref: OciReference, env: NodeJS.ProcessEnv): RegistryAuth | undefined {
  const file = dockerConfigFile(env);
  if (!file || !fs.existsSync(file)) return undefined;
  let config: { auths?: Record<string, DockerAuthEntry> };
  try {
    config = JSON.parse(readSmallFile(file, 'docker config')) as typeof config;
  } catch (error) {
    throw new Error(`${file}: invalid docker config: ${(error as Error).message}`, { cause: error });
  }
  const auths = config?.auths && typeof config.auths === 'object' ? config.auths : {};
  for (let key of [`${ref.registry}/${ref.repository}`, ref.registry]) {
    if (key === DOCKER_HUB) key = 'https://index.docker.io/v1/';
    let found: DockerAuthEntry | undefined = Object.prototype.hasOwnProperty.call(auths, key) ? auths[key] : undefined;
    if (!found) {
      for (const [k, v] of Object.entries(auths)) if (toHostname(k) === key) found = v;
    }
    if (!found || typeof found !== 'object') continue;
    let username = found.username;
    let password = found.password;
    if (found.auth) {
      const decoded = Buffer.from(found.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error(`${file}: the auth of '${key}' is not base64 of <user>:<password>`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (!username && !password && !found.identitytoken && !found.registrytoken) continue;
    return {
      registry: ref.registry,
      repoGlob: undefined,
      username,
      password,
      identityToken: found.identitytoken || undefined,
      registryToken: found.registrytoken || undefined,
      origin: `${file} (${key})`,
    };
  }
  return undefined;
}

/** Resolves the credentials and TLS settings for `ref`, in kluctl's order; undefined means anonymous. */
export class RegistryCredentials {
  private readonly flagEntries: RegistryAuth[];
  private envEntries?: RegistryAuth[];

  constructor(
    flags: RegistryFlags | undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.flagEntries = entriesFromFlags(flags);
  }

  find(ref: OciReference): RegistryAuth | undefined {
    let entry = this.flagEntries.find((e) => matches(e, ref));
    if (!entry) {
      this.envEntries ??= entriesFromEnv(this.env);
      entry = this.envEntries.find((e) => matches(e, ref));
    }
    if (entry && (entry.username || entry.password || entry.registryToken || entry.identityToken)) return entry;
    // An entry with only TLS settings gets no static auth in kluctl, so go-containerregistry's default keychain
    // (the Docker config) still supplies the login.
    const docker = entryFromDockerConfig(ref, this.env);
    if (!entry) return docker;
    if (!docker) return entry;
    return {
      ...entry,
      username: docker.username,
      password: docker.password,
      identityToken: docker.identityToken,
      registryToken: docker.registryToken,
      origin: docker.origin,
    };
  }
}
