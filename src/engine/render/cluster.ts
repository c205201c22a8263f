/** What a render asks of the target's cluster (spec §1.3); connecting is connect.ts. */

import { AGGREGATED_ACCEPT, type ResourceMapper } from '../../kube/discovery.js';
import { type KubeClient } from '../../kube/client.js';

export interface ClusterConnection {
  client: KubeClient;
  mapper: ResourceMapper;
  contextName: string;
}

export async function serverVersion(c: ClusterConnection, signal?: AbortSignal): Promise<string> {
  const v = await c.client.requestJson<{ gitVersion: string }>({
    path: '/version',
    signal,
    description: 'get server version',
  });
  return v.gitVersion;
}

/** Every group/version and group/version/Kind the server serves, for Helm's `.Capabilities.APIVersions`. */
export async function apiVersions(
  c: ClusterConnection,
  signal?: AbortSignal,
  /** false: the plain lists only, as an older server answers. */
  aggregated = true,
): Promise<string[]> {
  const out = new Set<string>();
  // With aggregated discovery (Kubernetes 1.26+) /api and /apis name every version and kind: two requests instead
  // of one per group-version. Older servers send the plain lists; then each group-version is asked for its kinds.
  const [core, groups] = await Promise.all(
    ['/api', '/apis'].map((p) =>
      c.client.requestJson<RootOrAggregated>({
        path: p,
        signal,
        accept: aggregated ? AGGREGATED_ACCEPT : undefined,
        description: `discover ${p}`,
      }),
    ),
  );
  const plain: string[] = [];
  for (const root of [core, groups]) {
    if (root.kind === 'APIGroupDiscoveryList') {
      for (const item of root.items ?? [])
        for (const v of item.versions ?? []) {
          const gv = item.metadata?.name ? `${item.metadata.name}/${v.version}` : v.version;
          out.add(gv);
          // A stale group-version (its aggregated API is down) fails its own request: no kinds, as before.
          if (v.freshness === 'Stale') continue;
          for (const r of v.resources ?? [])
            if (!r.resource.includes('/') && r.responseKind?.kind) out.add(`${gv}/${r.responseKind.kind}`);
        }
    } else
      plain.push(
        ...(root.versions ?? []),
        ...(root.groups ?? []).flatMap((g) => g.versions.map((v) => v.groupVersion)),
      );
  }
  await Promise.all(
    plain.map(async (gv) => {
      out.add(gv);
      const list = await c.client
        .requestJson<{ resources: Array<{ name: string; kind: string }> }>({
          path: gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`,
          signal,
        })
        .catch(() => ({ resources: [] }));
      for (const r of list.resources) if (!r.name.includes('/')) out.add(`${gv}/${r.kind}`);
    }),
  );
  return [...out].sort();
}

/** /api or /apis: the plain APIVersions / APIGroupList, or an aggregated APIGroupDiscoveryList. */
interface RootOrAggregated {
  kind?: string;
  versions?: string[];
  groups?: Array<{ versions: Array<{ groupVersion: string }> }>;
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      freshness?: string;
      resources?: Array<{ resource: string; responseKind?: { kind?: string } }>;
    }>;
  }>;
}
