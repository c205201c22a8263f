import type { KubeClient } from './client.js';
import { ResourceMapper } from './discovery.js';
import { describeObject, type KubeObject } from './objects.js';

export interface ApplyOptions {
  fieldManager: string;
  /** Take ownership of fields other managers own instead of failing with a conflict. */
  force?: boolean;
  /** Ask the server to validate and default without persisting (`dryRun=All`). */
  dryRun?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Server-side apply of one object; returns the object as the server has (or would have) it. */
export async function serverSideApply(
  client: KubeClient,
  mapper: ResourceMapper,
  object: KubeObject,
  options: ApplyOptions,
): Promise<KubeObject> {
  const resource = await mapper.require(object.apiVersion, object.kind, options.signal);
  const namespace = resource.namespaced ? object.metadata.namespace || client.defaultNamespace : undefined;
  const body = resource.namespaced ? { ...object, metadata: { ...object.metadata, namespace } } : object;
  return client.requestJson<KubeObject>({
    method: 'PATCH',
    path: ResourceMapper.path(resource, namespace, object.metadata.name),
    query: { fieldManager: options.fieldManager, force: options.force || undefined, dryRun: options.dryRun ? 'All' : undefined },
    body,
    contentType: 'application/apply-patch+yaml',
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    description: `apply ${describeObject(body)}`,
  });
}

/** Reads one object, or undefined when it does not exist. */
export async function getObject(
  client: KubeClient,
  mapper: ResourceMapper,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
  signal?: AbortSignal,
): Promise<KubeObject | undefined> {
  const resource = await mapper.require(ref.apiVersion, ref.kind, signal);
  try {
    return await client.requestJson<KubeObject>({
      path: ResourceMapper.path(resource, ref.namespace, ref.name),
      signal,
      description: `get ${describeObject({ kind: ref.kind, metadata: ref })}`,
    });
  } catch (error) {
    if ((error as { isNotFound?: boolean }).isNotFound) return undefined;
    throw error;
  }
}
