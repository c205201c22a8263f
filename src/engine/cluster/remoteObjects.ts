/** What the cluster has of a project (spec §8.1): objects carrying the discriminator, rendered refs, namespaces. */

import { getObject, listObjects } from '../../kube/apply.js';
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

  /** Lists by discriminator (all listable preferred-version resources in parallel), GETs the missing rendered refs, lists namespaces. */
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

  private async getMissing(refs: ObjectRef[]): Promise<void> {
    const missing = new Map<string, ObjectRef>();
    for (const ref of refs) if (!this.objects.has(refKey(ref))) missing.set(refKey(ref), ref);
    let permissionErrors = 0;
    await Promise.all(
      [...missing.values()].map(async (ref) => {
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
}

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
