/**
 * Helm repository credentials as kluctl v2.22.1 takes them (`cmd/kluctl/args/helm_credentials.go`,
 * `pkg/helm/auth`): the `--helm-*` flags in the form `<host>[/<path-glob>]=<value>` or the deprecated
 * `<credentialsId>:<value>` (matched against `credentialsId` in helm-chart.yaml), then the `KLUCTL_HELM[_<n>]_*`
 * environment sets. The first matching entry wins; flags come before the environment.
 */

import * as fs from 'node:fs';
import type { HttpAuth } from './http-get.js';

/** The flags as given (plain data, so it crosses the worker boundary); files are read when the provider is built. */
export interface HelmCredentialArgs {
  username?: string[];
  password?: string[];
  keyFile?: string[];
  certFile?: string[];
  caFile?: string[];
  insecureSkipTlsVerify?: string[];
  creds?: string[];
}

interface AuthEntry extends HttpAuth {
  credentialsId?: string;
  host?: string;
  pathGlob?: RegExp;
}

export interface HelmAuthProvider {
  /** The credentials for a repository URL (and the chart's credentialsId), or undefined. */
  find(repoUrl: URL, credentialsId?: string): HttpAuth | undefined;
}

/** gobwas/glob with `/` as separator: `*` and `?` stay inside a segment, `**` crosses them; `{a,b}`, `[…]`. */
export function compileGlob(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      re += '(?:';
      depth++;
    } else if (c === '}' && depth > 0) {
      re += ')';
      depth--;
    } else if (c === ',' && depth > 0) re += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new Error(`invalid glob ${glob}: unclosed [`);
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^$()|\]\\]/g, '\\$&');
  }
  if (depth !== 0) throw new Error(`invalid glob ${glob}: unclosed {`);
  return new RegExp(`^${re}$`);
}

function matches(e: AuthEntry, url: URL, credentialsId?: string): boolean {
  if (e.credentialsId) return !!credentialsId && e.credentialsId === credentialsId;
  if (e.host !== url.host) return false;
  if (e.pathGlob && !e.pathGlob.test(decodeURIComponent(url.pathname).replace(/^\//, ''))) return false;
  return true;
}

const fromEntry = (e: AuthEntry): HttpAuth => ({
  username: e.username,
  password: e.password,
  certPem: e.certPem,
  keyPem: e.keyPem,
  caPem: e.caPem,
  insecureSkipTlsVerify: e.insecureSkipTlsVerify,
  passCredentialsAll: e.passCredentialsAll,
});

const readFile = (flag: string, file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`--${flag}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
};

/** kluctl's `BuildAuthProvider`: the flags' entries, by credentialsId first, then by host/path, each in order. */
export function flagAuthEntries(args: HelmCredentialArgs | undefined): AuthEntry[] {
  const byId = new Map<string, AuthEntry>();
  const byHostPath = new Map<string, AuthEntry>();
  const entry = (flag: string, s: string, expectValue: boolean): [AuthEntry, string] => {
    if (!s.includes('=')) {
      const x = s.split(':');
      if (x.length === 2) {
        let e = byId.get(x[0]);
        if (!e) byId.set(x[0], (e = { credentialsId: x[0] }));
        return [e, x[1]];
      }
    }
    const eq = s.indexOf('=');
    if (expectValue && eq < 0) throw new Error(`--${flag}: expected value: ${s}`);
    const key = eq < 0 ? s : s.slice(0, eq);
    let e = byHostPath.get(key);
    if (!e) {
      const slash = key.indexOf('/');
      e = slash < 0 ? { host: key } : { host: key.slice(0, slash), pathGlob: compileGlob(key.slice(slash + 1)) };
      byHostPath.set(key, e);
    }
    return [e, eq < 0 ? '' : s.slice(eq + 1)];
  };
  const a = args ?? {};
  for (const s of a.username ?? []) {
    const [e, v] = entry('helm-username', s, true);
    e.username = v;
  }
  for (const s of a.password ?? []) {
    const [e, v] = entry('helm-password', s, true);
    e.password = v;
  }
  for (const s of a.keyFile ?? []) {
    const [e, v] = entry('helm-key-file', s, true);
    e.keyPem = readFile('helm-key-file', v);
  }
  for (const s of a.certFile ?? []) {
    const [e, v] = entry('helm-cert-file', s, true);
    e.certPem = readFile('helm-cert-file', v);
  }
  for (const s of a.caFile ?? []) {
    const [e, v] = entry('helm-ca-file', s, true);
    e.caPem = readFile('helm-ca-file', v);
  }
  for (const s of a.insecureSkipTlsVerify ?? [])
    entry('helm-insecure-skip-tls-verify', s, false)[0].insecureSkipTlsVerify = true;
  for (const s of a.creds ?? []) {
    const [e, v] = entry('helm-creds', s, true);
    const colon = v.indexOf(':');
    if (colon < 0) throw new Error('format of --helm-creds values must be <host>/<path>=<username>:<password>');
    e.username = v.slice(0, colon);
    e.password = v.slice(colon + 1);
  }
  return [...byId.values(), ...byHostPath.values()];
}

const bool = (s: string | undefined, def: boolean): boolean =>
  s === undefined ? def : ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s);

/** kluctl's `HelmEnvAuthProvider`: `KLUCTL_HELM[_<n>]_{HOST,PATH,CREDENTIALS_ID,USERNAME,PASSWORD,CA_FILE,…}`. */
export function envAuthEntries(env: NodeJS.ProcessEnv, prefix = 'KLUCTL_HELM'): AuthEntry[] {
  const sets = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix}(_\\d+)?_(.*)$`);
  for (const [name, value] of Object.entries(env)) {
    const m = re.exec(name);
    if (!m || value === undefined) continue;
    const idx = m[1] ? Number(m[1].slice(1)) : -1;
    if (!sets.has(idx)) sets.set(idx, {});
    sets.get(idx)![m[2]] = value;
  }
  const defaultInsecure = bool(env[`${prefix}_DEFAULT_INSECURE_SKIP_TLS_VERIFY`], false);
  const out: AuthEntry[] = [];
  for (const idx of [...sets.keys()].sort((a, b) => a - b)) {
    const m = sets.get(idx)!;
    if (!m.HOST && !m.CREDENTIALS_ID) continue;
    out.push({
      credentialsId: m.CREDENTIALS_ID || undefined,
      host: m.HOST,
      pathGlob: m.PATH ? compileGlob(m.PATH) : undefined,
      username: m.USERNAME,
      password: m.PASSWORD,
      insecureSkipTlsVerify: bool(m.INSECURE_SKIP_TLS_VERIFY, defaultInsecure),
      passCredentialsAll: bool(m.PASS_CREDENTIALS_ALL, false),
      certPem: m.CERT_FILE !== undefined ? readFile(`${prefix}_CERT_FILE`, m.CERT_FILE) : undefined,
      keyPem: m.KEY_FILE !== undefined ? readFile(`${prefix}_KEY_FILE`, m.KEY_FILE) : undefined,
      caPem: m.CA_FILE !== undefined ? readFile(`${prefix}_CA_FILE`, m.CA_FILE) : undefined,
    });
  }
  return out;
}

/** Flags first, then the environment, as kluctl registers its providers. */
export function helmAuthProvider(args: HelmCredentialArgs | undefined, env: NodeJS.ProcessEnv = {}): HelmAuthProvider {
  const entries = [...flagAuthEntries(args), ...envAuthEntries(env)];
  return {
    find(url, credentialsId) {
      const e = entries.find((x) => matches(x, url, credentialsId));
      return e && fromEntry(e);
    },
  };
}
