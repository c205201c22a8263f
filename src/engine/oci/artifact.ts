/**
 * Kluctl artifacts (`kluctl oci push`) for OCI includes, as kluctl v2.22 pulls them (`pkg/repocache/oci_cache.go`,
 * `pkg/oci/client/pull.go`): the manifest of `<url>:<tag>` (or `@<digest>`, which wins), its first layer — a
 * `.tar.gz` of the project (`application/vnd.io.kluctl.content.v1.tar+gzip`, config
 * `application/vnd.io.kluctl.config.v1+json`) — unpacked with symlinks skipped. kluctl unpacks into a temp dir per
 * run; here the unpacked tree is kept per manifest digest under the cache dir (immutable, like the Git checkouts),
 * so a tag is resolved against the registry on every run and a digest already unpacked needs no network.
 */

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDir } from '../git/repo-cache.js';
import { OciError, RegistryClient, type Manifest, type RegistryClientOptions } from './client.js';
import { formatReference, parseOciUrl, withRef, type OciReference } from './reference.js';
import { DEFAULT_UNTAR_LIMITS, extractEntries, readTarGz, type UntarLimits } from './untar.js';

export const KLUCTL_CONFIG_MEDIA_TYPE = 'application/vnd.io.kluctl.config.v1+json';
export const KLUCTL_CONTENT_MEDIA_TYPE = 'application/vnd.io.kluctl.content.v1.tar+gzip';

export interface OciArtifactCacheOptions extends RegistryClientOptions {
  /** Default: `<kluctl-ts cache>/oci`. */
  cacheDir?: string;
  /** The compressed layer (default 256 MiB). */
  maxLayerBytes?: number;
  untarLimits?: UntarLimits;
}

export interface ExtractedArtifact {
  dir: string;
  /** The manifest digest the dir was unpacked from. */
  digest: string;
  ref: OciReference;
  /** The manifest's annotations (`org.opencontainers.image.*`, `io.kluctl.image.git_info`). */
  annotations: Record<string, string>;
}

const COMPLETE = '.kluctl-ts-complete.json';

export class OciArtifactCache {
  readonly client: RegistryClient;
  private readonly cacheDir: string;
  private readonly pulls = new Map<string, Promise<ExtractedArtifact>>();

  constructor(private readonly o: OciArtifactCacheOptions = {}) {
    this.client = new RegistryClient(o);
    this.cacheDir = o.cacheDir ?? path.join(defaultCacheDir(), 'oci');
  }

  private dirFor(ref: OciReference, digest: string): string {
    const base = path.join(this.cacheDir, ref.registry.replace(/[:[\]]/g, '-'));
    const dir = path.join(base, ...ref.repository.split('/'), digest.replace(':', '-'));
    if (path.relative(base, dir).startsWith('..')) throw new Error(`invalid repository ${ref.repository}`);
    return dir;
  }

  /** The unpacked project of `url` at `ref` (`latest` when neither tag nor digest), pulled once per run. */
  extractedDir(
    url: string,
    r: { tag?: string; digest?: string } | undefined,
    signal?: AbortSignal,
  ): Promise<ExtractedArtifact> {
    let ref: OciReference;
    try {
      ref = withRef(parseOciUrl(url), r);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const key = formatReference(ref);
    let p = this.pulls.get(key);
    if (!p) {
      p = this.pull(ref, signal);
      this.pulls.set(key, p);
      p.catch(() => this.pulls.delete(key));
    }
    return p;
  }

  private cached(ref: OciReference, digest: string): ExtractedArtifact | undefined {
    const dir = this.dirFor(ref, digest);
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, COMPLETE), 'utf8')) as {
        annotations?: Record<string, string>;
      };
      return { dir: path.join(dir, 'content'), digest, ref, annotations: meta.annotations ?? {} };
    } catch {
      return undefined;
    }
  }

  private async pull(ref: OciReference, signal?: AbortSignal): Promise<ExtractedArtifact> {
    if (ref.digest) {
      const hit = this.cached(ref, ref.digest);
      if (hit) return hit;
    }
    const { digest, manifest } = await this.client.manifest(ref, signal);
    const hit = this.cached(ref, digest);
    if (hit) return hit;
    return this.unpack(ref, digest, manifest, signal);
  }

  private async unpack(
    ref: OciReference,
    digest: string,
    manifest: Manifest,
    signal?: AbortSignal,
  ): Promise<ExtractedArtifact> {
    const shown = formatReference(ref);
    const layer = manifest.layers[0];
    if (!layer) throw new OciError(`${shown}: no layers found in artifact`, 'invalid');
    const blob = await this.client.blob(ref, layer, this.o.maxLayerBytes ?? 256 * 1024 * 1024, signal);
    const final = this.dirFor(ref, digest);
    fs.mkdirSync(path.dirname(final), { recursive: true, mode: 0o700 });
    const tmp = `${final}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      let entries;
      try {
        entries = readTarGz(blob, this.o.untarLimits ?? DEFAULT_UNTAR_LIMITS);
        extractEntries(entries, path.join(tmp, 'content'));
      } catch (error) {
        throw new OciError(`${shown}: failed to untar first layer: ${(error as Error).message}`, 'invalid', {
          cause: error,
        });
      }
      fs.writeFileSync(path.join(tmp, COMPLETE), JSON.stringify({ annotations: manifest.annotations ?? {} }));
      try {
        fs.renameSync(tmp, final);
      } catch (error) {
        // Another run unpacked the same digest meanwhile: theirs is identical.
        const hit = this.cached(ref, digest);
        if (!hit) throw error;
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    const done = this.cached(ref, digest);
    if (!done) throw new Error(`${shown}: the unpacked artifact vanished from ${final}`);
    return done;
  }
}
