/**
 * What changed between two deployments: the applied objects of two stored command results side by side, the
 * older on the left. Only objects whose manifests differ (or exist on one side only) are listed.
 */
import type { KubeClient } from '../kube/client.js';
import { maskDocuments } from '../kluctl/masking.js';
import { decodeCommandResult, objectRefString } from '../kluctl/results.js';
import { readResultSecret } from '../kluctl/resultStore.js';
import type { CommandResult, ObjectRef } from '../kluctl/resultTypes.js';
import {
  cleanManifest,
  decodeCompactedObjects,
  withGoKeyOrder,
  YAML_OPTIONS,
  type CompactedObject,
  type ObjectDiff,
} from './resultDocuments.js';
import { stringify } from 'yaml';

export interface StoredResult {
  result: CommandResult;
  compacted?: CompactedObject[];
}

/** A command result with its full manifests, unmasked (compareResults masks what it shows). */
export async function readStoredResult(
  client: KubeClient,
  resultId: string,
  options: { namespace?: string; signal?: AbortSignal } = {},
): Promise<StoredResult> {
  const secret = await readResultSecret(client, 'command', resultId, options);
  return { result: decodeCommandResult(secret), compacted: decodeCompactedObjects(secret) };
}

/**
 * The objects a result leaves in the cluster: applied manifests (else rendered ones, e.g. of a diff), without
 * deleted and orphan objects, keyed by ref.
 */
export function deployedObjects(
  stored: StoredResult,
): Map<string, { ref: ObjectRef; object: Record<string, unknown> }> {
  const flags = new Map((stored.result.objects ?? []).map((o) => [objectRefString(o.ref), o]));
  const out = new Map<string, { ref: ObjectRef; object: Record<string, unknown> }>();
  for (const c of stored.compacted ?? []) {
    const key = objectRefString(c.ref);
    const meta = flags.get(key) ?? c;
    if (meta.deleted || meta.orphan) continue;
    const object = c.applied ?? c.rendered;
    if (object) out.set(key, { ref: c.ref, object });
  }
  return out;
}

/**
 * The object diffs from `older` to `newer` (left older, right newer), sorted by ref; Secrets masked unless
 * revealed (a value that differs reads `***** (changed)`).
 */
export function compareResults(
  older: StoredResult,
  newer: StoredResult,
  options: { revealSecrets?: boolean } = {},
): ObjectDiff[] {
  const before = deployedObjects(older);
  const after = deployedObjects(newer);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const diffs: ObjectDiff[] = [];
  for (const key of keys) {
    const a = before.get(key);
    const b = after.get(key);
    let left = a && (withGoKeyOrder(cleanManifest(a.object)) as Record<string, unknown>);
    let right = b && (withGoKeyOrder(cleanManifest(b.object)) as Record<string, unknown>);
    if (left && right && JSON.stringify(left) === JSON.stringify(right)) continue;
    const ref = (b ?? a)!.ref;
    [left, right] = maskDocuments(ref, left, right, options.revealSecrets === true);
    diffs.push({
      ref,
      status: !a ? 'new' : !b ? 'deleted' : 'changed',
      left: left && stringify(left, YAML_OPTIONS),
      right: right && stringify(right, YAML_OPTIONS),
    });
  }
  return diffs;
}
