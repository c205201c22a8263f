/**
 * Helm charts from OCI registries, as `helm pull oci://…` gets them: the tag is the chart version with `+` written
 * as `_`; the manifest's config is `application/vnd.cncf.helm.config.v1+json` and its chart layer
 * `application/vnd.cncf.helm.chart.content.v1.tar+gzip` (the legacy `application/tar+gzip` is read too), whose bytes
 * are the chart's `.tgz`. The provenance layer, if any, is not fetched.
 */

import { OciError, RegistryClient, type PulledManifest } from './client.js';
import { formatReference, parseOciUrl, withRef, type OciReference } from './reference.js';

export const HELM_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const HELM_LEGACY_CHART_MEDIA_TYPE = 'application/tar+gzip';

/** Helm's default limit for a chart archive. */
const DEFAULT_MAX_CHART_BYTES = 100 * 1024 * 1024;

export interface OciChart {
  /** The chart archive (`.tgz`), verified against its digest. */
  tgz: Buffer;
  /** The manifest digest (`sha256:…`). */
  digest: string;
  ref: OciReference;
  /** The chart's Chart.yaml fields as the config blob holds them (name, version, …). */
  config: Record<string, unknown>;
}

/** The OCI tag of a chart version (OCI tags may not contain `+`). */
export function chartVersionTag(version: string): string {
  return version.replace(/\+/g, '_');
}

/**
 * Pulls the chart `url` (`oci://host/path/<chart>`) at `version` (a tag; or `digest` when given, which wins).
 * Errors are `OciError`s naming the reference: 401 with or without credentials, an unknown chart or version, TLS.
 */
export async function pullOciChart(
  client: RegistryClient,
  url: string,
  version: string | undefined,
  options: { digest?: string; signal?: AbortSignal; maxChartBytes?: number } = {},
): Promise<OciChart> {
  const ref = withRef(parseOciUrl(url), {
    tag: version ? chartVersionTag(version) : undefined,
    digest: options.digest,
  });
  const shown = formatReference(ref);
  let pulled: PulledManifest;
  try {
    pulled = await client.manifest(ref, options.signal);
  } catch (error) {
    if (error instanceof OciError && error.kind === 'not-found')
      throw new OciError(`chart ${url} version ${version ?? options.digest}: ${error.message}`, 'not-found', {
        cause: error,
      });
    throw error;
  }
  const { manifest } = pulled;
  if (manifest.config.mediaType !== HELM_CONFIG_MEDIA_TYPE)
    throw new OciError(
      `${shown}: not a Helm chart (config media type ${manifest.config.mediaType}, expected ${HELM_CONFIG_MEDIA_TYPE})`,
      'invalid',
    );
  const layers = manifest.layers.filter(
    (l) => l.mediaType === HELM_CHART_MEDIA_TYPE || l.mediaType === HELM_LEGACY_CHART_MEDIA_TYPE,
  );
  if (layers.length !== 1)
    throw new OciError(
      `${shown}: expected one chart layer (${HELM_CHART_MEDIA_TYPE}), found ${layers.length}`,
      'invalid',
    );
  const max = options.maxChartBytes ?? DEFAULT_MAX_CHART_BYTES;
  const configBytes = await client.blob(ref, manifest.config, 1024 * 1024, options.signal);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new OciError(`${shown}: the chart config is not JSON: ${(error as Error).message}`, 'invalid');
  }
  if (version !== undefined && typeof config.version === 'string' && config.version !== version)
    throw new OciError(`${shown}: the chart in the registry has version ${config.version}, not ${version}`, 'invalid');
  const tgz = await client.blob(ref, layers[0], max, options.signal);
  return { tgz, digest: pulled.digest, ref, config };
}

/** The chart versions a registry has (its tags, `_` read back as `+`), for `helm-update`. */
export async function listOciChartVersions(
  client: RegistryClient,
  url: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const ref = parseOciUrl(url);
  return (await client.tags(ref, signal)).map((t) => t.replace(/_/g, '+'));
}
