import type { KubeClient } from './client.js';
import { ResourceMapper, type ApiResource } from './discovery.js';
import { describeObject, type KubeList, type KubeObject } from './objects.js';

export interface ApplyOptions {
  fieldManager: string;
  onWarnings?: (warnings: string[]) => void;
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
    query: {
      fieldManager: options.fieldManager,
      force: options.force || undefined,
      dryRun: options.dryRun ? 'All' : undefined,
    },
    body,
    contentType: 'application/apply-patch+yaml',
    signal: options.signal,
    onWarnings: options.onWarnings,
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

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** PUT of a whole object (Kluctl's replace-on-error path); the object must carry the current resourceVersion. */
export async function replaceObject(
  client: KubeClient,
  mapper: ResourceMapper,
  object: KubeObject,
  options: WriteOptions,
): Promise<KubeObject> {
  const resource = await mapper.require(object.apiVersion, object.kind, options.signal);
  const namespace = resource.namespaced ? object.metadata.namespace || client.defaultNamespace : undefined;
  return client.requestJson<KubeObject>({
    method: 'PUT',
    path: ResourceMapper.path(resource, namespace, object.metadata.name),
    query: { fieldManager: options.fieldManager, dryRun: options.dryRun ? 'All' : undefined },
    body: object,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    description: `replace ${describeObject(object)}`,
  });
}

/** DELETE with background propagation; false when the object did not exist. */
export async function deleteObject(
  client: KubeClient,
  mapper: ResourceMapper,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
  options: WriteOptions,
): Promise<boolean> {
  const resource = await mapper.require(ref.apiVersion, ref.kind, options.signal);
  try {
    await client.requestJson({
      method: 'DELETE',
      path: ResourceMapper.path(resource, ref.namespace, ref.name),
      // With a body the server takes every option from it, so dryRun must be there too (a query dryRun is ignored).
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: 'Background',
        ...(options.dryRun ? { dryRun: ['All'] } : {}),
      },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      description: `delete ${describeObject({ kind: ref.kind, metadata: ref })}`,
    });
    return true;
  } catch (error) {
    if ((error as { isNotFound?: boolean }).isNotFound) return false;
    throw error;
  }
}

export interface ListOptions {
  labelSelector?: string;
  namespace?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  onWarnings?: (warnings: string[]) => void;
}

/** All objects of one resource (cluster-wide, or in one namespace) matching a label selector, following `continue`. */
export async function listObjects(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
): Promise<KubeObject[]> {
  return (await listObjectPages(client, resource, options, Infinity)).objects;
}

/**
 * Like listObjects, but stops after `maxPages` pages of 500; `complete` tells whether the list was read to its end.
 */
export async function listObjectPages(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  maxPages: number,
): Promise<{ objects: KubeObject[]; complete: boolean }> {
  const out: KubeObject[] = [];
  const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
  let cont: string | undefined;
  let pages = 0;
  do {
    if (pages++ >= maxPages) return { objects: out, complete: false };
    const list = await client.requestJson<KubeList>({
      path: ResourceMapper.path(resource, options.namespace),
      query: { labelSelector: options.labelSelector, continue: cont, limit: 500 },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      onWarnings: options.onWarnings,
      description: `list ${resource.name}${options.namespace ? ` in ${options.namespace}` : ''}`,
    });
    // Items of a list carry neither apiVersion nor kind.
    for (const item of list.items) out.push({ ...item, apiVersion, kind: resource.kind });
    cont = list.metadata.continue || undefined;
  } while (cont);
  return { objects: out, complete: true };
}
