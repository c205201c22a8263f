import * as path from 'node:path';
import type { RepoKey } from '../../kluctl/repoKey.js';

/** A repo key as the controller sends it in a `ResolveOverrideRequest`: `git://host[:port]/path` or `oci://…`. */
export interface TypedRepoKey {
  type: string;
  host: string;
  path: string;
}

/** Reads `type://host/path` (Kluctl's `ParseRepoKey` with a required type); undefined if it is not one. */
export function parseRepoKeyString(text: string): TypedRepoKey | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)\/(.*)$/i.exec(text.trim());
  if (!match) return undefined;
  const [, type, host, keyPath] = match;
  return { type: type.toLowerCase(), host, path: keyPath.replace(/^\/+|\/+$/g, '') };
}

/**
 * Whether the controller's request is for the repository we override. Type, host (with port) and path must be
 * equal after the normalisation the controller applies to Git keys anyway (lower case, `.git` suffix) and
 * with IPv6 brackets dropped (Kluctl omits them). Unlike Kluctl's group overrides, a path prefix never matches.
 */
export function requestMatchesRepo(requested: string, ours: RepoKey): boolean {
  const theirs = parseRepoKeyString(requested);
  return theirs !== undefined && comparableKey(theirs) === comparableKey(ours);
}

function comparableKey(key: TypedRepoKey): string {
  const host = key.host.toLowerCase().replace(/[[\]]/g, '');
  let keyPath = key.path.replace(/^\/+|\/+$/g, '');
  if (key.type === 'git') {
    keyPath = keyPath.toLowerCase();
    if (path.posix.basename(keyPath) !== '.git' && keyPath.endsWith('.git')) keyPath = keyPath.slice(0, -'.git'.length);
  }
  return `${key.type}://${host}/${keyPath}`;
}
