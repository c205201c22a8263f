/** Kluctl's DiffUtil (spec §7.1): remote (old) against applied (new), both normalised, matched by diff-name. */

import type { Change, ObjectRef } from '../../kluctl/resultTypes.js';
import type { KubeObject } from '../../kube/objects.js';
import type { IgnoreForDiffConfig } from '../project/types.js';
import type { RenderedItem } from '../render/build-item.js';
import { diffObjects } from '../diff/changes.js';
import { normalizeObject } from '../diff/normalize.js';
import { refKey, refOf, refString } from '../../kluctl/objectRef.js';
import type { DeploymentMessages } from './messages.js';
import { scalarText } from '../../util/scalar.js';

export interface ChangedObject {
  ref: ObjectRef;
  changes: Change[];
}

export interface DiffFlags {
  ignoreTags?: boolean;
  ignoreLabels?: boolean;
  ignoreAnnotations?: boolean;
}

/** The ref an object is compared and reported under: `kluctl.io/diff-name` replaces the name. */
export function diffRef(o: KubeObject): ObjectRef {
  const ref = refOf(o);
  const diffName = o.metadata.annotations?.['kluctl.io/diff-name'];
  return diffName === undefined ? ref : { ...ref, name: diffName };
}

export class Differ {
  readonly changed: ChangedObject[] = [];
  private readonly remoteByDiffRef = new Map<string, KubeObject>();

  constructor(
    private readonly messages: DeploymentMessages,
    remote: KubeObject[],
    private readonly applied: Map<string, KubeObject>,
    private readonly flags: DiffFlags = {},
  ) {
    // Several remote objects can share a diff-name; the newest wins, ties by name (Kluctl's rule).
    for (const o of remote) {
      const key = refKey(diffRef(o));
      const old = this.remoteByDiffRef.get(key);
      const created = (x: KubeObject) => Date.parse(scalarText(x.metadata.creationTimestamp)) || 0;
      if (!old || (created(old) === created(o) ? o.metadata.name > old.metadata.name : created(o) > created(old)))
        this.remoteByDiffRef.set(key, o);
    }
  }

  diffItems(items: RenderedItem[]): void {
    for (const item of items) {
      const rules = [...item.ignoreForDiff, ...flagRules(this.flags)];
      for (const local of item.objects) this.diffOne(local, rules);
    }
    this.changed.sort((a, b) =>
      refString(a.ref) < refString(b.ref) ? -1 : refString(a.ref) > refString(b.ref) ? 1 : 0,
    );
  }

  private diffOne(local: KubeObject, rules: IgnoreForDiffConfig[]): void {
    const applied = this.applied.get(refKey(refOf(local)));
    if (!applied) return; // it failed to apply
    const ref = diffRef(local);
    const remote = this.remoteByDiffRef.get(refKey(ref));
    if (!remote) return; // new
    try {
      const changes = diffObjects(normalizeObject(remote, rules, local), normalizeObject(applied, rules, local));
      if (changes.length) this.changed.push({ ref, changes });
    } catch (error) {
      this.messages.addError(refOf(local), error);
    }
  }
}

function flagRules(f: DiffFlags): IgnoreForDiffConfig[] {
  const out: IgnoreForDiffConfig[] = [];
  if (f.ignoreTags) out.push({ fieldPathRegex: ['metadata\\.labels\\["kluctl\\.io/tag-.*"\\]'] });
  if (f.ignoreLabels) out.push({ fieldPath: ['metadata.labels.*'] });
  if (f.ignoreAnnotations) out.push({ fieldPath: ['metadata.annotations.*'] });
  return out;
}
