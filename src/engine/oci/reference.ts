/**
 * OCI references as Kluctl reads them (go-containerregistry's `name` package): `oci://<registry>/<repository>` plus a
 * tag and/or digest. A first path component without `.` or `:` that is not `localhost` is a Docker Hub repository.
 */

export const DOCKER_HUB = 'index.docker.io';

export interface OciReference {
  /** `host[:port]`, as credentials are matched (`index.docker.io` for Docker Hub). */
  registry: string;
  /** The repository path inside the registry, e.g. `org/project`. */
  repository: string;
  tag?: string;
  /** `sha256:<hex>` (or sha384/sha512). */
  digest?: string;
}

const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
const HOST = /^(?:\[[0-9a-fA-F:]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)(?::[0-9]{1,5})?$/;

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

/** `oci://host/repo` (no tag or digest in the URL, as Kluctl's includes and Helm charts give them). */
export function parseOciUrl(url: string): OciReference {
  if (typeof url !== 'string' || !url.startsWith('oci://'))
    throw new Error(`invalid oci url '${String(url)}': must start with oci://`);
  return parseRepository(url.slice('oci://'.length), url);
}

/** `registry/repository` without tag or digest. */
export function parseRepository(s: string, shown = s): OciReference {
  const trimmed = s.replace(/\/+$/, '');
  if (trimmed.length === 0 || trimmed.length > 1024) throw new Error(`invalid oci url '${shown}': empty or too long`);
  const slash = trimmed.indexOf('/');
  const first = slash < 0 ? trimmed : trimmed.slice(0, slash);
  let registry: string;
  let repository: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = trimmed.slice(slash + 1);
  } else {
    registry = DOCKER_HUB;
    repository = slash < 0 ? `library/${trimmed}` : trimmed;
  }
  if (registry === 'docker.io') registry = DOCKER_HUB;
  if (!HOST.test(registry)) throw new Error(`invalid oci url '${shown}': invalid registry '${registry}'`);
  if (repository.split('/').some((c) => !REPO_COMPONENT.test(c)))
    throw new Error(
      `invalid oci url '${shown}': invalid repository '${repository}' (lower-case letters, digits and separators only)`,
    );
  return { registry, repository };
}

/** Adds a ref as Kluctl's `OciRef` gives it: `{tag?, digest?}`; neither means `latest`; a digest wins over the tag. */
export function withRef(ref: OciReference, r: { tag?: string; digest?: string } | undefined): OciReference {
  const tag = r?.tag || undefined;
  const digest = r?.digest || undefined;
  if (tag !== undefined && !TAG.test(tag)) throw new Error(`invalid tag '${tag}'`);
  if (digest !== undefined && !DIGEST.test(digest))
    throw new Error(`invalid digest '${digest}': must be sha256:<64 hex digits>`);
  return { ...ref, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** What the manifest is fetched by: the digest when there is one, else the tag. */
export function manifestReference(ref: OciReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

export function formatReference(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Loopback registries, where go-containerregistry also tries plain HTTP when HTTPS does not answer. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}
