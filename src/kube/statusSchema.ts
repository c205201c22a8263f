import type { KubeClient } from './client.js';
import { splitApiVersion } from './objects.js';

interface OpenApiV3Doc {
  components?: {
    schemas?: Record<
      string,
      {
        properties?: Record<string, unknown>;
        'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
      }
    >;
  };
}

/**
 * Whether a kind's OpenAPI schema declares a `status` (readiness then waits for one), read from the server's
 * OpenAPI v3 document of its group-version, cached. Undefined when the server does not say.
 */
export class StatusSchemas {
  private index: Promise<Record<string, { serverRelativeURL: string }>> | undefined;
  private readonly docs = new Map<string, Promise<OpenApiV3Doc | undefined>>();

  constructor(private readonly client: KubeClient) {}

  async hasStatus(apiVersion: string, kind: string, signal?: AbortSignal): Promise<boolean | undefined> {
    const { group, version } = splitApiVersion(apiVersion);
    const doc = await this.doc(group ? `apis/${group}/${version}` : `api/${version}`, signal);
    if (!doc) return undefined;
    for (const schema of Object.values(doc.components?.schemas ?? {})) {
      const gvks = schema['x-kubernetes-group-version-kind'] ?? [];
      if (gvks.some((g) => g.group === group && g.version === version && g.kind === kind))
        return 'status' in (schema.properties ?? {});
    }
    return undefined;
  }

  private doc(gvPath: string, signal?: AbortSignal): Promise<OpenApiV3Doc | undefined> {
    let d = this.docs.get(gvPath);
    if (!d) {
      d = this.load(gvPath, signal).catch(() => undefined);
      this.docs.set(gvPath, d);
    }
    return d;
  }

  private async load(gvPath: string, signal?: AbortSignal): Promise<OpenApiV3Doc | undefined> {
    this.index ??= this.client
      .requestJson<{ paths: Record<string, { serverRelativeURL: string }> }>({
        path: '/openapi/v3',
        signal,
        description: 'read the OpenAPI index',
      })
      .then((x) => x.paths);
    const entry = (await this.index)[gvPath];
    if (!entry) return undefined;
    const url = new URL(entry.serverRelativeURL, 'http://x');
    return this.client.requestJson<OpenApiV3Doc>({
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      signal,
      description: `read the OpenAPI schema of ${gvPath}`,
    });
  }
}
