/** What the cluster has of a project (spec §8.1): objects carrying the discriminator, rendered refs, namespaces. */

import { getObject, listObjectPages, listObjects } from '../../kube/apply.js';
import { CancelledError } from '../../util/errors.js';
import { KubeApiError, NoMatchError } from '../../kube/errors.js';
import { type ApiResource } from '../../kube/discovery.js';
import { type KubeObject } from '../../kube/objects.js';
import type { ObjectRef } from '../../kluctl/resultTypes.js';
import { refKey, refOf } from '../../kluctl/objectRef.js';
import type { InclusionEntry } from '../deployment/inclusion.js';
import type { DeploymentMessages } from './messages.js';
import type { ClusterAccess } from './access.js';

export class RemoteObjects {
  private readonly objects = new Map<string, KubeObject>();
  private readonly namespaces = new Map<string, KubeObject>();

  constructor(
    private readonly cluster: ClusterAccess,
    private readonly messages: DeploymentMessages,
  ) {}

  /**
   * Lists by discriminator (all listable preferred-version resources in parallel), gets the missing rendered refs
   * (getMissing), lists namespaces.
   */
  async update(discriminator: string | undefined, rendered: ObjectRef[], onlyUsedKinds = false): Promise<void> {
    if (discriminator)
      await this.listByDiscriminator(discriminator, onlyUsedKinds ? new Set(rendered.map(groupKind)) : undefined);
    await this.getMissing(rendered);
    const nsResource = await this.cluster.mapper.require('v1', 'Namespace', this.cluster.signal);
    try {
      for (const ns of await listObjects(this.cluster.client, nsResource, { signal: this.cluster.signal }))
        this.namespaces.set(ns.metadata.name, ns);
    } catch (error) {
      // v2.28: a user who may not list namespaces can still deploy into the ones it may use.
      if (!(error instanceof KubeApiError && error.isForbidden)) throw error;
      await Promise.all(
        [...new Set(rendered.map((r) => r.namespace).filter((n): n is string => !!n))].map(async (name) => {
          const ns = await getObject(
            this.cluster.client,
            this.cluster.mapper,
            { apiVersion: 'v1', kind: 'Namespace', name },
            this.cluster.signal,
          ).catch(() => undefined);
          if (ns) this.namespaces.set(name, ns);
        }),
      );
    }
  }

  get(ref: ObjectRef): KubeObject | undefined {
    return this.objects.get(refKey(ref));
  }

  namespace(name: string): KubeObject | undefined {
    return this.namespaces.get(name);
  }

  forget(ref: ObjectRef): void {
    this.objects.delete(refKey(ref));
  }

  all(): KubeObject[] {
    return [...this.objects.values()];
  }

  /** The objects an inclusion filter lets through, judged by their tag labels and item-dir annotation. */
  filtered(isIncluded: (entries: InclusionEntry[]) => boolean): KubeObject[] {
    return this.all().filter((o) => isIncluded(inclusionEntries(o)));
  }

  private async listByDiscriminator(discriminator: string, usedKinds: Set<string> | undefined): Promise<void> {
    const resources = (await this.cluster.mapper.preferredResources(this.cluster.signal)).filter(
      (r) =>
        r.verbs.includes('list') &&
        !(r.group === 'extensions' && r.name === 'ingresses') &&
        r.name !== 'componentstatuses' &&
        (!usedKinds || usedKinds.has(`${r.group}/${r.kind}`)),
    );
    let permissionErrors = 0;
    await Promise.all(
      resources.map(async (r) => {
        try {
          // API warnings of these lists (e.g. "v1 Endpoints is deprecated" from Kubernetes 1.33 on, as every
          // listable resource is listed) are not the project's business: Kluctl only traces them, so they are dropped.
          for (const o of await listObjects(this.cluster.client, r, {
            labelSelector: `kluctl.io/discriminator=${discriminator}`,
            signal: this.cluster.signal,
          })) {
            this.objects.set(refKey(refOf(o)), o);
          }
        } catch (error) {
          if (error instanceof KubeApiError && error.isNotFound) return;
          if (error instanceof KubeApiError && (error.isForbidden || error.statusCode === 401)) permissionErrors++;
          else this.messages.addWarning(resourceRef(r), error);
        }
      }),
    );
    if (permissionErrors) {
      this.messages.addWarning(
        undefined,
        'at least one permission error was encountered while gathering objects by discriminator labels. This might result in orphan object detection to not work properly',
      );
    }
  }

  /**
   * GETs the rendered refs the discriminator did not find (a new project: every one of them). Where several are of
   * one resource in one namespace, one LIST of that namespace (at most a few pages) answers them all: the objects it
   * has are the ones a GET would return, and a name it lacks is a 404. A LIST that is forbidden, fails or is too long
   * leaves the rest to the GETs.
   */
  private async getMissing(refs: ObjectRef[]): Promise<void> {
    const missing = new Map<string, ObjectRef>();
    for (const ref of refs) if (!this.objects.has(refKey(ref))) missing.set(refKey(ref), ref);
    const groups = new Map<string, ObjectRef[]>();
    for (const ref of missing.values()) {
      const key = JSON.stringify([apiVersionOf(ref), ref.kind, ref.namespace ?? '']);
      groups.set(key, [...(groups.get(key) ?? []), ref]);
    }
    const toGet: ObjectRef[] = [];
    await Promise.all(
      [...groups.values()].map(async (group) => {
        if (group.length < LIST_INSTEAD_OF_GET || !(await this.listMissing(group))) toGet.push(...group);
      }),
    );
    let permissionErrors = 0;
    await Promise.all(
      toGet.map(async (ref) => {
        try {
          const o = await getObject(
            this.cluster.client,
            this.cluster.mapper,
            { apiVersion: apiVersionOf(ref), kind: ref.kind, name: ref.name, namespace: ref.namespace },
            this.cluster.signal,
          );
          if (o) this.objects.set(refKey(refOf(o)), o);
        } catch (error) {
          if (error instanceof NoMatchError) return;
          if (error instanceof KubeApiError && (error.isForbidden || error.statusCode === 401)) permissionErrors++;
          else this.messages.addError(ref, error);
        }
      }),
    );
    if (permissionErrors) {
      this.messages.addWarning(
        undefined,
        'at least one permission error was encountered while gathering known objects. This might result in orphan object detection and diffs to not work properly',
      );
    }
  }

  /** Refs of one resource and namespace through one LIST; false when the GETs must answer them. */
  private async listMissing(group: ObjectRef[]): Promise<boolean> {
    const first = group[0];
    let resource: ApiResource | undefined;
    try {
      resource = await this.cluster.mapper.find(apiVersionOf(first), first.kind, this.cluster.signal);
    } catch {
      return false;
    }
    // Unknown kinds are ignored, as their GETs would be; a namespaced ref without a namespace keeps its GET.
    if (!resource) return true;
    if (!resource.verbs.includes('list') || (resource.namespaced && !first.namespace)) return false;
    let listed;
    try {
      listed = await listObjectPages(
        this.cluster.client,
        resource,
        { namespace: resource.namespaced ? first.namespace : undefined, signal: this.cluster.signal },
        MAX_LIST_PAGES,
      );
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      return false;
    }
    if (!listed.complete) return false;
    // One resource, one namespace (or none, cluster-scoped, whatever the refs say): the name picks the object.
    const wanted = new Set(group.map((r) => r.name));
    for (const o of listed.objects) if (wanted.has(o.metadata.name)) this.objects.set(refKey(refOf(o)), o);
    return true;
  }
}

/** From this many missing refs of one resource in one namespace on, one LIST replaces their GETs. */
const LIST_INSTEAD_OF_GET = 4;
/** A LIST for missing refs reads at most this many pages of 500 before leaving them to GETs. */
const MAX_LIST_PAGES = 4;

export function apiVersionOf(ref: ObjectRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : (ref.version ?? 'v1');
}

function groupKind(ref: ObjectRef): string {
  return `${ref.group ?? ''}/${ref.kind}`;
}

function resourceRef(r: ApiResource): ObjectRef {
  return { group: r.group || undefined, version: r.version, kind: r.kind, name: '' };
}

export function inclusionEntries(o: KubeObject): InclusionEntry[] {
  const out: InclusionEntry[] = [];
  for (const [k, v] of Object.entries(o.metadata.labels ?? {}))
    if (/^kluctl\.io\/tag-\d+$/.test(k)) out.push({ type: 'tag', value: v });
  const dir = o.metadata.annotations?.['kluctl.io/deployment-item-dir'];
  if (dir !== undefined) out.push({ type: 'deploymentItemDir', value: dir });
  return out;
}
