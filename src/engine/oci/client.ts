/**
 * A read-only client of the OCI distribution API (`/v2/<repo>/manifests/<ref>`, `/v2/<repo>/blobs/<digest>`), with
 * registry auth as go-containerregistry does it: the `/v2/` ping learns the challenge; `Basic` sends the
 * credentials, `Bearer realm=…,service=…` exchanges them (or nothing: anonymous) for a token of the
 * `repository:<repo>:pull` scope, a registry token is sent as the bearer as it is, an identity token is exchanged as
 * an OAuth2 refresh token. Every manifest and blob is checked against its digest; sizes and times are bounded.
 */

import { createHash } from 'node:crypto';
import { CancelledError } from '../../util/errors.js';
import type { RegistryAuth, RegistryCredentials } from './credentials.js';
import { httpRequest, TransportError, type HttpResponse, type TlsSettings } from './http.js';
import { formatReference, isLoopbackRegistry, manifestReference, type OciReference } from './reference.js';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface PulledManifest {
  /** `sha256:…` of the manifest bytes, verified. */
  digest: string;
  mediaType: string;
  manifest: Manifest;
}

export type OciErrorKind = 'unauthorized' | 'denied' | 'not-found' | 'tls' | 'network' | 'invalid';

/** A registry failure, named by the reference and with what to do about it. */
export class OciError extends Error {
  constructor(
    message: string,
    readonly kind: OciErrorKind,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'OciError';
  }
}

export interface RegistryClientOptions {
  credentials?: RegistryCredentials;
  /** Per request, bodies included (default 60 s; blobs get `blobTimeoutMs`). */
  timeoutMs?: number;
  blobTimeoutMs?: number;
  /** Manifests above this are refused (default 4 MiB, the distribution registry's own limit). */
  maxManifestBytes?: number;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (the first challenge). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
  re.lastIndex = 0;
  const rest = m[2];
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest)) !== null) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** The digest of `data` in the algorithm `digest` names; whether it matches. */
export function verifyDigest(data: Buffer, digest: string): boolean {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  if (!['sha256', 'sha384', 'sha512'].includes(algorithm)) return false;
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}` === digest;
}

interface RegistryState {
  base: string;
  challenge?: Challenge;
  tokens: Map<string, string>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_BLOB_TIMEOUT_MS = 600_000;
const MAX_TOKEN_BYTES = 1024 * 1024;

function registryErrors(body: Buffer): string {
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    const parts = (json.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter(Boolean);
    return parts.join('; ');
  } catch {
    return body.toString('utf8').slice(0, 200).trim();
  }
}

function errorCodes(body: Buffer): string[] {
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string }> };
    return (json.errors ?? []).map((e) => e.code ?? '');
  } catch {
    return [];
  }
}

export class RegistryClient {
  private readonly registries = new Map<string, Promise<RegistryState>>();

  constructor(private readonly o: RegistryClientOptions = {}) {}

  private auth(ref: OciReference): RegistryAuth | undefined {
    return this.o.credentials?.find(ref);
  }

  private tls(ref: OciReference): TlsSettings {
    const a = this.auth(ref);
    return { ca: a?.ca, cert: a?.cert, key: a?.key, insecureSkipTlsVerify: a?.insecureSkipTlsVerify };
  }

  private wrap(error: unknown, ref: OciReference): never {
    if (error instanceof OciError || error instanceof CancelledError) throw error;
    if (error instanceof TransportError) {
      const hint = error.tls
        ? `; pass the registry's CA with --registry-ca-file=${ref.registry}=<file> (or KLUCTL_REGISTRY_CA_FILE), or --registry-insecure-skip-tls-verify=${ref.registry}`
        : '';
      throw new OciError(`${error.message}${hint}`, error.tls ? 'tls' : 'network', { cause: error });
    }
    throw error;
  }

  /** Pings `/v2/` once per registry: learns the scheme (HTTPS, plain HTTP when configured) and the challenge. */
  private state(ref: OciReference, signal?: AbortSignal): Promise<RegistryState> {
    let p = this.registries.get(ref.registry);
    if (!p) {
      p = this.ping(ref, signal);
      this.registries.set(ref.registry, p);
      p.catch(() => this.registries.delete(ref.registry));
    }
    return p;
  }

  private async ping(ref: OciReference, signal?: AbortSignal): Promise<RegistryState> {
    const plain = this.auth(ref)?.plainHttp === true;
    const schemes = plain ? ['http'] : isLoopbackRegistry(ref.registry) ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = `${scheme}://${ref.registry}`;
      try {
        const res = await httpRequest(`${base}/v2/`, {
          maxBytes: 64 * 1024,
          timeoutMs: this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          signal,
          tls: this.tls(ref),
          what: `oci://${ref.registry}/${ref.repository}`,
        });
        if (res.status === 200) return { base, tokens: new Map() };
        if (res.status === 401)
          return { base, challenge: parseChallenge(res.headers['www-authenticate']), tokens: new Map() };
        throw new OciError(
          `oci://${ref.registry}/${ref.repository}: ${base}/v2/ answered ${res.status}: not an OCI registry? ${registryErrors(res.body)}`,
          'invalid',
        );
      } catch (error) {
        lastError = error;
        // go-containerregistry falls back to plain HTTP for loopback registries only when HTTPS does not connect.
        if (!(error instanceof TransportError) || error.tls || scheme === 'http') break;
        if (error.code !== 'EPROTO' && error.code !== 'ECONNRESET') break;
      }
    }
    this.wrap(lastError, ref);
  }

  private async authorization(
    ref: OciReference,
    state: RegistryState,
    signal: AbortSignal | undefined,
    fresh: boolean,
  ): Promise<string | undefined> {
    const a = this.auth(ref);
    const challenge = state.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      if (a?.username !== undefined || a?.password !== undefined)
        return `Basic ${Buffer.from(`${a.username ?? ''}:${a.password ?? ''}`).toString('base64')}`;
      if (a?.registryToken) return `Bearer ${a.registryToken}`;
      return undefined;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    if (a?.registryToken) return `Bearer ${a.registryToken}`;
    const scope = `repository:${ref.repository}:pull`;
    if (!fresh && state.tokens.has(scope)) return `Bearer ${state.tokens.get(scope)}`;
    const token = await this.fetchToken(ref, challenge, scope, a, signal);
    state.tokens.set(scope, token);
    return `Bearer ${token}`;
  }

  private async fetchToken(
    ref: OciReference,
    challenge: Challenge,
    scope: string,
    a: RegistryAuth | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const what = `oci://${ref.registry}/${ref.repository}`;
    const realm = challenge.params.realm;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm ?? '');
      if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      throw new OciError(`${what}: the registry's token realm '${realm ?? ''}' is not an http(s) URL`, 'invalid');
    }
    let res: HttpResponse;
    const common = {
      maxBytes: MAX_TOKEN_BYTES,
      timeoutMs: this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal,
      tls: this.tls(ref),
      what,
    };
    if (a?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        service: challenge.params.service ?? '',
        client_id: 'kluctl-ts',
        scope,
        refresh_token: a.identityToken,
      });
      res = await httpRequest(realmUrl.toString(), {
        ...common,
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } else {
      if (challenge.params.service) realmUrl.searchParams.set('service', challenge.params.service);
      realmUrl.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (a?.username !== undefined || a?.password !== undefined)
        headers.Authorization = `Basic ${Buffer.from(`${a.username ?? ''}:${a.password ?? ''}`).toString('base64')}`;
      res = await httpRequest(realmUrl.toString(), { ...common, headers, maxRedirects: 0 });
    }
    if (res.status === 401 || res.status === 403)
      throw this.unauthorized(ref, res, a, `the token service ${realmUrl.host} refused`);
    if (res.status !== 200)
      throw new OciError(
        `${what}: the token service ${realmUrl.host} answered ${res.status}: ${registryErrors(res.body)}`,
        'invalid',
      );
    let token: string | undefined;
    try {
      const json = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
      token = json.token || json.access_token;
    } catch {
      token = undefined;
    }
    if (!token || typeof token !== 'string')
      throw new OciError(`${what}: the token service ${realmUrl.host} returned no token`, 'invalid');
    return token;
  }

  private unauthorized(ref: OciReference, res: HttpResponse, a: RegistryAuth | undefined, who: string): OciError {
    const what = `oci://${ref.registry}/${ref.repository}`;
    const detail = registryErrors(res.body);
    const hasCreds = !!(a && (a.username || a.password || a.registryToken || a.identityToken));
    const status = res.status === 403 ? '403 Forbidden' : '401 Unauthorized';
    return new OciError(
      hasCreds
        ? `${what}: ${status}: ${who} the credentials from ${a.origin} (wrong username or password?)${detail ? ` (${detail})` : ''}`
        : `${what}: ${status}: ${who} anonymous access: credentials are needed (--registry-username=${ref.registry}=<user> and --registry-password=${ref.registry}=<password>, KLUCTL_REGISTRY_* or a docker login)${detail ? ` (${detail})` : ''}`,
      res.status === 403 ? 'denied' : 'unauthorized',
    );
  }

  /** A GET with the registry's auth; a 401 on a cached token fetches a fresh one once. */
  private async get(
    ref: OciReference,
    path: string,
    accept: string | undefined,
    maxBytes: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    try {
      const state = await this.state(ref, signal);
      for (let attempt = 0; ; attempt++) {
        const authorization = await this.authorization(ref, state, signal, attempt > 0);
        const headers: Record<string, string> = {};
        if (accept) headers.Accept = accept;
        if (authorization) headers.Authorization = authorization;
        const res = await httpRequest(`${state.base}${path}`, {
          headers,
          maxBytes,
          timeoutMs,
          signal,
          tls: this.tls(ref),
          what: `oci://${ref.registry}/${ref.repository}`,
        });
        if (
          res.status === 401 &&
          attempt === 0 &&
          state.challenge?.scheme === 'bearer' &&
          !this.auth(ref)?.registryToken
        )
          continue;
        if (res.status === 401 || res.status === 403)
          throw this.unauthorized(ref, res, this.auth(ref), 'the registry refused');
        return res;
      }
    } catch (error) {
      this.wrap(error, ref);
    }
  }

  /** The manifest `ref` names (its digest when given, else its tag), verified against the digest. */
  async manifest(ref: OciReference, signal?: AbortSignal): Promise<PulledManifest> {
    const reference = manifestReference(ref);
    const shown = formatReference(ref);
    const res = await this.get(
      ref,
      `/v2/${ref.repository}/manifests/${encodeURIComponent(reference)}`,
      [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList].join(', '),
      this.o.maxManifestBytes ?? 4 * 1024 * 1024,
      this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal,
    );
    if (res.status === 404) {
      const codes = errorCodes(res.body);
      if (codes.includes('NAME_UNKNOWN'))
        throw new OciError(
          `oci://${ref.registry}/${ref.repository}: repository not found in the registry`,
          'not-found',
        );
      throw new OciError(
        `${shown}: ${ref.digest ? `digest ${ref.digest}` : `tag '${ref.tag}'`} not found in oci://${ref.registry}/${ref.repository}${codes.length ? ` (${registryErrors(res.body)})` : ''}`,
        'not-found',
      );
    }
    if (res.status !== 200)
      throw new OciError(`${shown}: the registry answered ${res.status}: ${registryErrors(res.body)}`, 'invalid');
    const computed = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    if (ref.digest && !verifyDigest(res.body, ref.digest))
      throw new OciError(`${shown}: the manifest does not match the digest ${ref.digest}`, 'invalid');
    const header = res.headers['docker-content-digest'];
    if (!ref.digest && typeof header === 'string' && header !== '' && !verifyDigest(res.body, header))
      throw new OciError(
        `${shown}: the manifest does not match the registry's Docker-Content-Digest ${header}`,
        'invalid',
      );
    let json: Manifest & { manifests?: unknown };
    try {
      json = JSON.parse(res.body.toString('utf8')) as Manifest & { manifests?: unknown };
    } catch (error) {
      throw new OciError(`${shown}: the manifest is not JSON: ${(error as Error).message}`, 'invalid');
    }
    const mediaType = json.mediaType ?? String(res.headers['content-type'] ?? '').split(';')[0];
    if (mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList || json.manifests !== undefined)
      throw new OciError(`${shown}: is an image index (a multi-platform image), not an artifact`, 'invalid');
    if (!json.config || !Array.isArray(json.layers) || !json.layers.every(isDescriptor) || !isDescriptor(json.config))
      throw new OciError(`${shown}: the manifest has no valid config or layers`, 'invalid');
    return { digest: ref.digest ?? computed, mediaType, manifest: json };
  }

  /** The blob `descriptor` names, at most `maxBytes`, verified against its digest and size. */
  async blob(ref: OciReference, descriptor: Descriptor, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const what = `oci://${ref.registry}/${ref.repository}@${descriptor.digest}`;
    if (descriptor.size > maxBytes)
      throw new OciError(
        `${what}: the blob has ${descriptor.size} bytes, more than the limit of ${maxBytes}`,
        'invalid',
      );
    const res = await this.get(
      ref,
      `/v2/${ref.repository}/blobs/${descriptor.digest}`,
      undefined,
      maxBytes,
      this.o.blobTimeoutMs ?? DEFAULT_BLOB_TIMEOUT_MS,
      signal,
    );
    if (res.status === 404) throw new OciError(`${what}: blob not found in the registry`, 'not-found');
    if (res.status !== 200)
      throw new OciError(`${what}: the registry answered ${res.status}: ${registryErrors(res.body)}`, 'invalid');
    if (res.body.length !== descriptor.size)
      throw new OciError(
        `${what}: the blob has ${res.body.length} bytes, the manifest says ${descriptor.size}`,
        'invalid',
      );
    if (!verifyDigest(res.body, descriptor.digest))
      throw new OciError(`${what}: the blob does not match its digest`, 'invalid');
    return res.body;
  }

  /** The tags of a repository (`/v2/<repo>/tags/list`, first page of up to 1000). */
  async tags(ref: OciReference, signal?: AbortSignal): Promise<string[]> {
    const res = await this.get(
      ref,
      `/v2/${ref.repository}/tags/list?n=1000`,
      'application/json',
      4 * 1024 * 1024,
      this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal,
    );
    if (res.status === 404)
      throw new OciError(`oci://${ref.registry}/${ref.repository}: repository not found in the registry`, 'not-found');
    if (res.status !== 200)
      throw new OciError(`oci://${ref.registry}/${ref.repository}: the registry answered ${res.status}`, 'invalid');
    const json = JSON.parse(res.body.toString('utf8')) as { tags?: unknown };
    return Array.isArray(json.tags) ? json.tags.filter((t): t is string => typeof t === 'string') : [];
  }
}

function isDescriptor(d: unknown): d is Descriptor {
  const x = d as Descriptor;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.mediaType === 'string' &&
    typeof x.digest === 'string' &&
    /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/.test(x.digest) &&
    Number.isSafeInteger(x.size) &&
    x.size >= 0
  );
}
