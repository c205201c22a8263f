/** `clusterConfigMap`, `clusterSecret` and `clusterObject` vars: values read from the target cluster. */

import { describeObject, type KubeObject } from '../../kube/objects.js';
import { KubeApiError } from '../../kube/errors.js';
import { ResourceMapper, type ApiResource, type KubeAccess } from '../../kube/discovery.js';
import type { ClusterObjectSource, VarsSource } from '../project/types.js';
import { parseYaml, parseYamlAll } from '../yaml/strict.js';
import { getJsonPath, objectAtPath } from './json-path.js';
import { isMap as isObject } from '../../util/go-values.js';
import { type JsonObject } from '../../kluctl/uo/merge.js';
import { asContext, renderStrings, rendererFor } from './templating.js';

/** The target cluster, when loading vars from it is enabled (no client and mapper: disabled). */
export type VarsClusterAccess = Partial<KubeAccess>;

type Cluster = KubeAccess;

function requireCluster(c: VarsClusterAccess): Cluster {
  if (!c.client || !c.mapper) throw new Error('loading vars from cluster is disabled');
  return c as Cluster;
}

const selector = (labels: Record<string, string> | undefined) =>
  Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

async function getObject(
  c: Cluster,
  resource: ApiResource,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  const what = `${resource.kind} ${namespace ? `${namespace}/` : ''}${name}`;
  try {
    return await c.client.requestJson<KubeObject>({
      path: ResourceMapper.path(resource, namespace, name),
      signal: c.signal,
      description: `get ${what}`,
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound) return undefined;
    throw error;
  }
}

async function listObjects(
  c: Cluster,
  resource: ApiResource,
  namespace: string | undefined,
  labels: Record<string, string> | undefined,
): Promise<KubeObject[]> {
  const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
  const list = await c.client.requestJson<{ items: KubeObject[] }>({
    path: ResourceMapper.path(resource, namespace),
    query: { labelSelector: selector(labels) || undefined },
    signal: c.signal,
    description: `list ${resource.kind} with labels ${selector(labels)}`,
  });
  return list.items.map((o) => ({ ...o, apiVersion, kind: resource.kind }));
}

/**
 * `data[key]` of a ConfigMap or Secret, rendered and parsed as YAML. Undefined when `ignoreMissing` skipped a missing
 * object or key: such a source is not merged at all, so it cannot clobber an earlier default.
 */
export async function loadConfigMapOrSecret(
  access: VarsClusterAccess,
  vars: JsonObject,
  ref: ClusterObjectSource,
  kind: 'ConfigMap' | 'Secret',
  ignoreMissing: boolean,
  multidoc?: boolean,
): Promise<unknown> {
  const c = requireCluster(access);
  const resource = await c.mapper.require('v1', kind, c.signal);
  let obj: KubeObject | undefined;
  if (ref.name) {
    obj = await getObject(c, resource, ref.namespace, ref.name);
    if (!obj && !ignoreMissing) throw new Error(`${kind} ${ref.namespace}/${ref.name} not found`);
  } else {
    const objs = await listObjects(c, resource, ref.namespace, ref.labels);
    if (objs.length > 1) throw new Error(`found more than one objects with labels ${selector(ref.labels)}`);
    obj = objs[0];
    if (!obj && !ignoreMissing)
      throw new Error(`no ${kind} found with labels ${selector(ref.labels)} in namespace ${ref.namespace}`);
  }
  if (!obj) return undefined;

  const data = (obj.data ?? {}) as Record<string, string>;
  if (!ref.key || !Object.hasOwn(data, ref.key)) {
    if (ignoreMissing) return undefined;
    throw new Error(`key ${ref.key} not found in ${describeObject(obj)} on cluster`);
  }
  const text = kind === 'Secret' ? Buffer.from(data[ref.key], 'base64').toString('utf8') : data[ref.key];
  const what = `${describeObject(obj)} key ${ref.key}`;
  try {
    const rendered = rendererFor([]).renderString(text, asContext(vars), { name: what });
    const parsed = multidoc ? parseYamlAll(rendered, what) : parseYaml(rendered, what);
    // The deprecated per-source targetPath (v2.22 had only this one).
    return ref.targetPath ? objectAtPath(ref.targetPath, parsed) : parsed;
  } catch (error) {
    throw new Error(`failed to load vars from kubernetes object ${what}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function resourceForKind(c: Cluster, kind: string, apiVersion: string | undefined): Promise<ApiResource> {
  if (apiVersion) return c.mapper.require(apiVersion, kind, c.signal);
  const matches = (await c.mapper.preferredResources(c.signal)).filter((r) => r.kind === kind);
  if (matches.length === 0) throw new Error(`no matching resource found for kind ${kind}`);
  if (matches.length > 1)
    throw new Error(`more then one matching resources found for kind ${kind}, consider also specifying apiVersion`);
  return matches[0];
}

const objectKey = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `clusterObject` (v2.28): one JSONPath match per object; a list of them with `list: true`. */
export async function loadClusterObject(
  access: VarsClusterAccess,
  vars: JsonObject,
  src: NonNullable<VarsSource['clusterObject']>,
  ignoreMissing: boolean,
): Promise<unknown> {
  const c = requireCluster(access);
  const resource = await resourceForKind(c, src.kind, src.apiVersion);
  const namespace = src.namespace || undefined;
  let objs: KubeObject[];
  if (src.name) {
    const obj = await getObject(c, resource, namespace, src.name);
    objs = obj ? [obj] : [];
  } else {
    objs = await listObjects(c, resource, namespace, src.labels);
  }
  objs.sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0));
  if (objs.length === 0) {
    if (ignoreMissing) return {};
    throw new Error(`no ${src.kind} object found`);
  }
  if (objs.length > 1 && !src.list) throw new Error(`found more than one ${src.kind} object`);

  const values: unknown[] = [];
  for (const obj of objs) {
    const fail = (why: string) =>
      new Error(`failed to load vars from kubernetes object ${describeObject(obj)} and json path ${src.path}: ${why}`);
    const matches = getJsonPath(obj, src.path);
    if (matches.length === 0) {
      if (ignoreMissing) return {};
      throw fail('json path not found');
    }
    if (matches.length > 1) throw fail('json path resulted in multiple matches');
    let value = matches[0];
    try {
      if (src.render && (typeof value === 'string' || isObject(value)))
        value = renderStrings(value, vars, [], describeObject(obj)).value;
    } catch (error) {
      throw fail((error as Error).message);
    }
    if (src.parseYaml) {
      if (typeof value !== 'string') throw fail('value is not a string, but parsing YAML was requested');
      value = parseYaml(value, describeObject(obj));
      if (!isObject(value)) throw fail('the parsed YAML is not a map');
    }
    values.push(value);
  }
  return src.list ? values : values[0];
}
