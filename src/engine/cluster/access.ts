import { StatusSchemas } from '../../kube/statusSchema.js';
import { type KubeAccess, type ResourceMapper } from '../../kube/discovery.js';
import { type KubeClient } from '../../kube/client.js';

/** One cluster as the cluster half of the engine uses it; every call carries the command's signal. */
export interface ClusterAccess extends KubeAccess {
  schemas: StatusSchemas;
}

export function clusterAccess(client: KubeClient, mapper: ResourceMapper, signal?: AbortSignal): ClusterAccess {
  return { client, mapper, schemas: new StatusSchemas(client), signal };
}
