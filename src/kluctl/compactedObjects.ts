/**
 * Kluctl's compacted objects (`-o yaml` and the `compactedObjects` of result Secrets): per object the rendered,
 * remote and applied manifests as `full: <json>` or, when shorter, `delta: <diff-match-patch delta>` against the
 * previous one. JSON is written with sorted keys, as Go's encoding/json writes maps.
 */

import DiffMatchPatch from 'diff-match-patch';
import type { CommandResult, ResultObject } from './resultTypes.js';
import type { KubeObject } from '../kube/objects.js';

/** One object as stored: its flags and changes, each manifest as `full: …` or `delta: …`. */
export type EncodedObject = Omit<ResultObject, 'rendered' | 'remote' | 'applied'> & {
  rendered?: string;
  remote?: string;
  applied?: string;
};

export function compactObjects(objects: ResultObject[]): EncodedObject[] {
  const dmp = new DiffMatchPatch();
  return objects.map((o) => {
    const { rendered, remote, applied, ...base } = o;
    let prev = '';
    const encode = (x: KubeObject | undefined): string | undefined => {
      if (!x) return undefined;
      const json = sortedJson(x);
      if (!prev) {
        prev = json;
        return `full: ${json}`;
      }
      const delta = dmp.diff_toDelta(dmp.diff_main(prev, json, false));
      prev = json;
      return delta.length < json.length ? `delta: ${delta}` : `full: ${json}`;
    };
    const out: EncodedObject = { ...base };
    for (const [key, value] of [
      ['rendered', rendered],
      ['remote', remote],
      ['applied', applied],
    ] as const) {
      const s = encode(value);
      if (s !== undefined) out[key] = s;
    }
    return out;
  });
}

/** The result as `kluctl -o yaml` prints it: `objects` replaced by `compactedObjects`. */
export function compactedResult(r: CommandResult): Record<string, unknown> {
  const { objects, ...rest } = r;
  return objects?.length ? { ...rest, compactedObjects: compactObjects(objects) } : rest;
}

/** Only what identifies an object (Kluctl's BuildReducedObject), for the reduced result of a result Secret. */
export function reducedObject(o: KubeObject | undefined): KubeObject | undefined {
  if (!o) return undefined;
  const metadata: KubeObject['metadata'] = { name: o.metadata.name };
  if (o.metadata.namespace) metadata.namespace = o.metadata.namespace;
  if (o.metadata.labels && Object.keys(o.metadata.labels).length) metadata.labels = o.metadata.labels;
  if (o.metadata.annotations && Object.keys(o.metadata.annotations).length)
    metadata.annotations = o.metadata.annotations;
  return { apiVersion: o.apiVersion, kind: o.kind, metadata };
}

export function sortedJson(x: unknown): string {
  return JSON.stringify(x, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}
