/**
 * Scheduling items as Kluctl does (spec §6.2-§6.3): up to 8 at once, barriers, and the order inside one item. The
 * item limit stays Kluctl's even in a dry-run: which items overlap decides whether an object sees a Namespace or a
 * CRD another item applies; a dry-run instead pipelines the applies inside an item (applyObjectsPipelined).
 */

import type { ObjectRef } from '../../kluctl/resultTypes.js';
import type { KubeObject } from '../../kube/objects.js';
import { parseGoBool } from '../postprocess/metadata.js';
import type { RenderedItem } from '../render/build-item.js';
import { refKey, refOf } from '../../kluctl/objectRef.js';
import type { ApplyRun, ItemApplier } from './applier.js';
import { hookOf, hooksOf, problemsFor, runHooks } from './hooks.js';

const MAX_PARALLEL_ITEMS = 8;

export async function applyItems(run: ApplyRun, items: RenderedItem[]): Promise<void> {
  const running = new Set<Promise<void>>();
  for (const item of items) {
    if (run.aborted) break;
    while (running.size >= MAX_PARALLEL_ITEMS) await Promise.race(running);
    const applier = run.newItemApplier(progressName(item), item.conflictResolution);
    const p: Promise<void> = applyItem(applier, item)
      .catch((error) => applier.handleError(undefined, error))
      .finally(() => running.delete(p));
    running.add(p);
    if (item.barrier) {
      run.progress(item.message ? `Waiting on barrier: ${item.message}` : 'Waiting on barrier...');
      await Promise.all(running);
    }
  }
  await Promise.all(running);
}

function progressName(item: RenderedItem): string | undefined {
  if (item.dir) return item.dir;
  return item.deleteObjects.length ? '<delete>' : undefined;
}

async function applyItem(a: ItemApplier, item: RenderedItem): Promise<void> {
  const run = a.run;
  const toDelete = new Map<string, ObjectRef>();
  for (const d of item.deleteObjects) {
    const resources = (await run.cluster.mapper.preferredResources(run.cluster.signal)).filter(
      (r) => (d.group === undefined || r.group === d.group) && (d.kind === undefined || r.kind === d.kind),
    );
    for (const r of resources) {
      const ref: ObjectRef = {
        group: r.group || undefined,
        version: r.version,
        kind: r.kind,
        name: d.name,
        namespace: d.namespace,
      };
      toDelete.set(refKey(ref), ref);
    }
  }
  for (const o of item.objects)
    if (parseGoBool(o.metadata.annotations?.['kluctl.io/delete'])) toDelete.set(refKey(refOf(o)), refOf(o));

  const initial = !item.objects.some((o) => run.remote.get(refOf(o)));
  const plain = item.objects.filter((o) => !hookOf(o, problemsFor(a, o)) && !toDelete.has(refKey(refOf(o))));
  const phase = initial ? 'initial' : 'upgrade';
  const preHooks = hooksOf(item.objects, [`pre-deploy-${phase}`, 'pre-deploy'], a);
  const postHooks = hooksOf(item.objects, [`post-deploy-${phase}`, 'post-deploy'], a);

  if (toDelete.size) a.report(`Deleting ${toDelete.size} objects`);
  for (const ref of toDelete.values()) await a.deleteObject(ref, false);

  await runHooks(preHooks, a);

  if (plain.length) a.report(`Applying ${plain.length} objects`);
  if (run.options.dryRun) await a.applyObjectsPipelined(plain);
  else
    for (const o of plain) {
      if (run.aborted) break;
      await a.applyObject(o, false, false);
    }
  for (const o of plain) {
    if (run.aborted) break;
    if (!run.options.noWait && wantsReadiness(item, o)) await a.waitReadiness(refOf(o));
  }
  // v2.28's waitReadinessObjects (v2.22 has no such field).
  for (const w of item.waitReadinessObjects) {
    if (run.aborted || run.options.noWait) break;
    const r = (await run.cluster.mapper.preferredResources(run.cluster.signal)).find(
      (x) => x.kind === w.kind && (w.group === undefined || x.group === w.group),
    );
    if (!r) {
      a.handleError(
        undefined,
        `failed to wait for readiness of ${w.namespace ? `${w.namespace}/` : ''}${w.kind}/${w.name}: resource with group/kind ${w.group ?? ''}/${w.kind} not found`,
      );
      continue;
    }
    await a.waitReadiness({
      group: r.group || undefined,
      version: r.version,
      kind: r.kind,
      name: w.name,
      namespace: w.namespace,
    });
  }
  if (run.aborted) return;
  await runHooks(postHooks, a);
  a.report(summary(a));
}

function wantsReadiness(item: RenderedItem, o: KubeObject): boolean {
  return item.waitReadiness || parseGoBool(o.metadata.annotations?.['kluctl.io/wait-readiness']);
}

function summary(a: ItemApplier): string {
  const parts: string[] = [];
  if (a.applied.size) parts.push(`Applied ${a.applied.size} objects.`);
  if (a.appliedHooks.size) parts.push(`Applied ${a.appliedHooks.size} hooks.`);
  if (a.deleted.size) parts.push(`Deleted ${a.deleted.size} objects.`);
  if (a.deletedHooks.size) parts.push(`Deleted ${a.deletedHooks.size} hooks.`);
  if (a.errorCount) parts.push(`Encountered ${a.errorCount} errors.`);
  if (a.warningCount) parts.push(`Encountered ${a.warningCount} warnings.`);
  return parts.join(' ') || 'Nothing to apply.';
}
