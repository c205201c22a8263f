import type { KubeClient } from './client.js';
import { KubeApiError, NoMatchError } from './errors.js';
import { splitApiVersion } from './objects.js';

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs. */
  name: string;
  namespaced: boolean;
  verbs: string[];
}

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
}

/**
 * Maps apiVersion+kind to REST resources through the discovery API, one request per group-version,
 * cached. A miss refreshes that group-version once, so a CRD installed a moment ago is found.
 */
export class ResourceMapper {
  private readonly byGroupVersion = new Map<string, Promise<ApiResource[]>>();
  private preferred: Promise<ApiResource[]> | undefined;

  constructor(private readonly client: KubeClient) {}

  async find(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ApiResource | undefined> {
    const hit = (await this.groupVersion(apiVersion, signal)).find((r) => r.kind === kind);
    if (hit) return hit;
    this.byGroupVersion.delete(apiVersion);
    return (await this.groupVersion(apiVersion, signal)).find((r) => r.kind === kind);
  }

  async require(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ApiResource> {
    const resource = await this.find(apiVersion, kind, signal);
    if (!resource) throw new NoMatchError(apiVersion, kind);
    return resource;
  }

  /** Every top-level resource in the preferred version of each API group (what Kluctl lists for orphans). */
  async preferredResources(signal?: AbortSignal): Promise<ApiResource[]> {
    this.preferred ??= this.loadPreferred(signal);
    this.preferred.catch(() => (this.preferred = undefined));
    return this.preferred;
  }

  /** Forget cached discovery (after a CRD was applied or deleted). */
  reset(): void {
    this.byGroupVersion.clear();
    this.preferred = undefined;
  }

  private async loadPreferred(signal?: AbortSignal): Promise<ApiResource[]> {
    const core = await this.client.requestJson<{ versions: string[] }>({
      path: '/api',
      signal,
      description: 'discover the core API',
    });
    const groups = await this.client.requestJson<{
      groups: Array<{ preferredVersion?: { groupVersion: string }; versions: Array<{ groupVersion: string }> }>;
    }>({
      path: '/apis',
      signal,
      description: 'discover API groups',
    });
    const gvs = [
      core.versions[0] ?? 'v1',
      ...groups.groups.map((g) => g.preferredVersion?.groupVersion ?? g.versions[0].groupVersion),
    ];
    const lists = await Promise.all(gvs.map((gv) => this.groupVersion(gv, signal)));
    return lists.flat();
  }

  /** The URL path of a collection (name omitted) or of one object. */
  static path(resource: ApiResource, namespace: string | undefined, name?: string): string {
    const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${resource.name}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  private groupVersion(apiVersion: string, signal?: AbortSignal): Promise<ApiResource[]> {
    let cached = this.byGroupVersion.get(apiVersion);
    if (!cached) {
      cached = this.load(apiVersion, signal);
      cached.catch(() => this.byGroupVersion.delete(apiVersion));
      this.byGroupVersion.set(apiVersion, cached);
    }
    return cached;
  }

  private async load(apiVersion: string, signal?: AbortSignal): Promise<ApiResource[]> {
    const { group, version } = splitApiVersion(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    try {
      const list = await this.client.requestJson<ApiResourceList>({
        path,
        signal,
        description: `discover ${apiVersion}`,
      });
      return list.resources
        .filter((r) => !r.name.includes('/')) // sub-resources such as pods/log
        .map((r) => ({ group, version, kind: r.kind, name: r.name, namespaced: r.namespaced, verbs: r.verbs }));
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) return [];
      throw error;
    }
  }
}

/** One cluster as the layers above use it: a client, its resource mapper, and the signal that cancels every call. */
export interface KubeAccess {
  client: KubeClient;
  mapper: ResourceMapper;
  signal?: AbortSignal;
}
