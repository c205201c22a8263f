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

/** Aggregated discovery first (apidiscovery.k8s.io v2, then v2beta1), the plain lists otherwise. */
export const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface CoreRoot {
  kind?: 'APIVersions';
  versions: string[];
}

interface GroupsRoot {
  kind?: 'APIGroupList';
  groups: Array<{ preferredVersion?: { groupVersion: string }; versions: Array<{ groupVersion: string }> }>;
}

/** The fields of an APIGroupDiscoveryList this mapper reads. */
interface AggregatedList {
  kind: 'APIGroupDiscoveryList';
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      freshness?: string;
      resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[] }>;
    }>;
  }>;
}

function isAggregated(x: object): x is AggregatedList {
  return (x as { kind?: string }).kind === 'APIGroupDiscoveryList';
}

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
}

/**
 * Maps apiVersion+kind to REST resources through the discovery API, one request per group-version (all of them at
 * once when the server has aggregated discovery and the preferred resources are asked for), cached. A miss
 * refreshes that group-version once, so a CRD installed a moment ago is found.
 */
export class ResourceMapper {
  private readonly byGroupVersion = new Map<string, Promise<ApiResource[]>>();
  private preferred: Promise<ApiResource[]> | undefined;

  constructor(
    private readonly client: KubeClient,
    /** false: ask the plain discovery lists only (what a server without aggregated discovery answers). */
    private readonly aggregated = true,
  ) {}

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
    // Servers with aggregated discovery (Kubernetes 1.26+) answer /api and /apis with every group, version and
    // resource at once: two requests instead of one per group-version. Older servers ignore the first media type
    // and send the plain lists, which name the preferred versions as before.
    const [core, groups] = await Promise.all([
      this.client.requestJson<CoreRoot | AggregatedList>({
        path: '/api',
        accept: this.aggregated ? AGGREGATED_ACCEPT : undefined,
        signal,
        description: 'discover the core API',
      }),
      this.client.requestJson<GroupsRoot | AggregatedList>({
        path: '/apis',
        accept: this.aggregated ? AGGREGATED_ACCEPT : undefined,
        signal,
        description: 'discover API groups',
      }),
    ]);
    const gvs: string[] = [];
    if (isAggregated(core)) gvs.push(...this.takeAggregated(core));
    else gvs.push(core.versions[0] ?? 'v1');
    if (isAggregated(groups)) gvs.push(...this.takeAggregated(groups));
    else gvs.push(...groups.groups.map((g) => g.preferredVersion?.groupVersion ?? g.versions[0].groupVersion));
    const lists = await Promise.all(gvs.map((gv) => this.groupVersion(gv, signal)));
    return lists.flat();
  }

  /**
   * Caches every group-version of an aggregated discovery answer as its own request would have (one not yet
   * cached; a stale one, an aggregated API that is down, is left to its own request) and returns the preferred
   * group-version of each group: the first listed.
   */
  private takeAggregated(list: AggregatedList): string[] {
    const preferred: string[] = [];
    for (const item of list.items ?? []) {
      const group = item.metadata?.name ?? '';
      const versions = item.versions ?? [];
      if (!versions.length) continue;
      preferred.push(group ? `${group}/${versions[0].version}` : versions[0].version);
      for (const v of versions) {
        const gv = group ? `${group}/${v.version}` : v.version;
        if (v.freshness === 'Stale' || this.byGroupVersion.has(gv)) continue;
        const resources = (v.resources ?? [])
          .filter((r) => r.responseKind?.kind && !r.resource.includes('/'))
          .map((r) => ({
            group,
            version: v.version,
            kind: r.responseKind!.kind!,
            name: r.resource,
            namespaced: r.scope === 'Namespaced',
            verbs: r.verbs ?? [],
          }));
        this.byGroupVersion.set(gv, Promise.resolve(resources));
      }
    }
    return preferred;
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
