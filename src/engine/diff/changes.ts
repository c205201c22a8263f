/** Kluctl's `diff.Diff`: the changes between two (normalised) objects, as `result.Change` values. */

import { toGoYaml } from '../../kluctl/yaml/go-yaml.js';
import { goStringCompare, toPlainJson } from '../../util/go-values.js';
import { toJsonPath } from '../../kluctl/uo/key-path.js';
import { structuralDiff, type RawChange } from './structural-diff.js';
import { unifiedDiffOf } from '../../kluctl/diff/unified-diff.js';

import type { Change } from '../../kluctl/resultTypes.js';

/**
 * Changes from `oldObj` (the remote object) to `newObj` (the applied one), sorted like Kluctl sorts them.
 * Throws PointerPathError where Kluctl's diff of the object fails (a change inside a normalised `envFrom` entry or
 * ServiceAccount secret reference; see normalize.ts).
 */
export function diffObjects(oldObj: unknown, newObj: unknown): Change[] {
  const changes = structuralDiff(oldObj, newObj).map(toChange);
  return sortChanges(changes);
}

function toChange(c: RawChange): Change {
  const change: Change = { type: c.type, jsonPath: toJsonPath(c.path) };
  if (c.type !== 'insert') change.oldValue = toPlainJson(c.from);
  if (c.type !== 'delete') change.newValue = toPlainJson(c.to);
  change.unifiedDiff = unifiedDiffOf(change);
  return change;
}

/** Kluctl sorts changes by their YAML serialisation (which starts with the jsonPath). */
export function sortChanges(changes: Change[]): Change[] {
  const keyed = changes.map((c) => ({ c, key: toGoYaml(serialisedChange(c)) }));
  keyed.sort((p, q) => goStringCompare(p.key, q.key));
  return keyed.map((k) => k.c);
}

/** The JSON form of a result.Change (omitempty fields dropped). */
function serialisedChange(c: Change): Record<string, unknown> {
  const out: Record<string, unknown> = { type: c.type, jsonPath: c.jsonPath };
  if (c.oldValue !== undefined) out.oldValue = c.oldValue;
  if (c.newValue !== undefined) out.newValue = c.newValue;
  if (c.unifiedDiff) out.unifiedDiff = c.unifiedDiff;
  return out;
}
