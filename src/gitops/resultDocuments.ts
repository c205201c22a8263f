import DiffMatchPatch from 'diff-match-patch';
import { stringify } from 'yaml';
import { maskDocuments, maskResult } from '../kluctl/masking.js';
import { decodeSecretPayload, objectRefString, RESULT_DATA_KEYS, type SecretObject } from '../kluctl/results.js';
import type { CommandResult, ObjectRef, ResultObject } from '../kluctl/resultTypes.js';

/** One object of a result as full manifests: what the cluster has (`remote`) and what it would get (`applied`). */
export type CompactedObject = Omit<ResultObject, 'rendered' | 'remote' | 'applied'> & {
  rendered?: Record<string, unknown>;
  remote?: Record<string, unknown>;
  applied?: Record<string, unknown>;
};

export type DiffStatus = 'changed' | 'new' | 'deleted' | 'orphan';

/** A pair of YAML documents to show side by side; `undefined` is a missing side (a new or removed object). */
export interface ObjectDiff {
  ref: ObjectRef;
  status: DiffStatus;
  /** The cluster's object. */
  left?: string;
  /** The object after the command. */
  right?: string;
}

/**
 * Decodes the `compactedObjects` payload of a result Secret. Each side is `full: <json>` or a diff-match-patch
 * `delta:` against the previous non-empty side in the order rendered → remote → applied.
 * (Kluctl counts delta lengths in runes, JS in UTF-16 units: objects with characters outside the BMP may decode
 * wrongly, and are then dropped rather than shown corrupted.)
 */
export function decodeCompactedObjects(secret: SecretObject): CompactedObject[] | undefined {
  const payload = secret.data?.[RESULT_DATA_KEYS.compactedObjects];
  if (!payload) return undefined;
  const raw =
    decodeSecretPayload<
      Array<
        Omit<CompactedObject, 'rendered' | 'remote' | 'applied'> &
          Record<'rendered' | 'remote' | 'applied', string | undefined>
      >
    >(payload);
  const dmp = new DiffMatchPatch();
  return raw.map((entry) => {
    let previous = '';
    const side = (text: string | undefined): Record<string, unknown> | undefined => {
      if (!text) return undefined;
      let json: string;
      if (text.startsWith('full: ')) json = text.slice('full: '.length);
      else if (text.startsWith('delta: ')) json = applyDelta(dmp, previous, text.slice('delta: '.length));
      else return undefined;
      previous = json;
      try {
        return JSON.parse(json) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    const { rendered, remote, applied, ...rest } = entry;
    return { ...rest, rendered: side(rendered), remote: side(remote), applied: side(applied) };
  });
}

function applyDelta(dmp: DiffMatchPatch, base: string, delta: string): string {
  const diffs = dmp.diff_fromDelta(base, delta);
  return diffs
    .filter(([op]) => op !== DiffMatchPatch.DIFF_DELETE)
    .map(([, text]) => text)
    .join('');
}

export interface ObjectDiffOptions {
  /** Show Secret values; masked by default. */
  revealSecrets?: boolean;
}

/**
 * One diff model for both sources: an unmasked result (a controller's stored result, or the bundled engine's run
 * with `noObfuscate`) and its full manifests (`compactedObjects`, or the engine's own `objects`) become the masked
 * result and its document pairs. Masking happens here once, after the documents had both sides to compare.
 */
export function commandResultDiffs<T extends Pick<CommandResult, 'objects'>>(
  raw: T,
  compacted: CompactedObject[] | undefined,
  options: ObjectDiffOptions = {},
): { result: T; diffs: ObjectDiff[] } {
  return {
    result: maskResult(raw, { reveal: options.revealSecrets }),
    diffs: objectDiffs(raw, compacted, options),
  };
}

/**
 * The objects a command result touches, as document pairs. With compacted objects the documents are the full
 * manifests (server fields removed); without them (drift results) they hold only the changed fields.
 */
export function objectDiffs(
  result: Pick<CommandResult, 'objects'>,
  compacted: CompactedObject[] | undefined,
  options: ObjectDiffOptions = {},
): ObjectDiff[] {
  const full = new Map((compacted ?? []).map((c) => [objectRefString(c.ref), c]));
  const diffs: ObjectDiff[] = [];
  for (const object of result.objects ?? []) {
    const status = statusOf(object);
    if (!status) continue;
    const manifests = full.get(objectRefString(object.ref));
    let left: Record<string, unknown> | undefined;
    let right: Record<string, unknown> | undefined;
    if (manifests) {
      left = status === 'new' ? undefined : manifests.remote;
      right = status === 'orphan' || status === 'deleted' ? undefined : (manifests.applied ?? manifests.rendered);
    } else {
      ({ left, right } = partialObjects(object, status));
    }
    [left, right] = maskDocuments(object.ref, left, right, options.revealSecrets === true);
    diffs.push({ ref: object.ref, status, left: left && toYaml(left), right: right && toYaml(right) });
  }
  return diffs;
}

function statusOf(object: ResultObject): DiffStatus | undefined {
  if (object.new) return 'new';
  if (object.deleted) return 'deleted';
  if (object.orphan) return 'orphan';
  if (object.changes && object.changes.length > 0) return 'changed';
  return undefined;
}

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];

/** The manifest without what the server adds (metadata noise and status), so diffs show intent. */
export function cleanManifest(object: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(object);
  delete copy.status;
  const metadata = copy.metadata as Record<string, unknown> | undefined;
  if (metadata) {
    for (const key of SERVER_METADATA) delete metadata[key];
    const annotations = metadata.annotations as Record<string, string> | undefined;
    if (annotations) {
      delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
      if (Object.keys(annotations).length === 0) delete metadata.annotations;
    }
  }
  return copy;
}

/** YAML 1.1 quoting, as Kubernetes tooling reads manifests: `"yes"` and `"on"` stay strings. */
export const YAML_OPTIONS = { lineWidth: 0, version: '1.1' } as const;

function toYaml(object: Record<string, unknown>): string {
  return stringify(withGoKeyOrder(cleanManifest(object)), YAML_OPTIONS);
}

/** Documents holding only the changed fields, from a result without full manifests (e.g. drift detection). */
function partialObjects(
  object: ResultObject,
  status: DiffStatus,
): { left?: Record<string, unknown>; right?: Record<string, unknown> } {
  const header = (): Record<string, unknown> => ({
    apiVersion: object.ref.group ? `${object.ref.group}/${object.ref.version}` : object.ref.version,
    kind: object.ref.kind,
    metadata: { name: object.ref.name, ...(object.ref.namespace ? { namespace: object.ref.namespace } : {}) },
  });
  if (status === 'new') return { right: header() };
  if (status !== 'changed') return { left: header() };
  const left = header();
  const right = header();
  for (const change of object.changes ?? []) {
    const path = parseJsonPath(change.jsonPath);
    if (change.type !== 'insert') setPath(left, path, change.oldValue);
    if (change.type !== 'delete') setPath(right, path, change.newValue);
  }
  return { left, right };
}

/** `spec.containers[0].image`, `metadata.annotations["a.b/c"]`, `$["x.y"]` → path segments. */
export function parseJsonPath(jsonPath: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const pattern = /\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([^.[\]]+)/g;
  for (const match of jsonPath.replace(/^\$/, '').matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(JSON.parse(`"${match[1]}"`) as string);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(match[3]);
  }
  return segments;
}

function setPath(target: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let node: Record<string | number, unknown> = target;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    if (typeof node[segment] !== 'object' || node[segment] === null)
      node[segment] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
}

/** A copy with every map's keys in Go's order (bytewise), as Kluctl writes objects: both sides of a diff line up. */
export function withGoKeyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withGoKeyOrder);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, Buffer.from(k, 'utf8'), v] as const);
  entries.sort((a, b) => Buffer.compare(a[1], b[1]));
  return Object.fromEntries(entries.map(([k, , v]) => [k, withGoKeyOrder(v)]));
}

/** How a result's object tree groups objects: by what the command did to them. */
export type ResultObjectStatus = DiffStatus | 'unchanged';

export const RESULT_OBJECT_STATUSES: readonly ResultObjectStatus[] = [
  'changed',
  'new',
  'deleted',
  'orphan',
  'unchanged',
];

/** One group of a result's object tree: the first `limit` objects of a status, and how many there are. */
export interface ResultObjectGroup {
  status: ResultObjectStatus;
  total: number;
  objects: Array<{ ref: ObjectRef; hook: boolean }>;
}

/** Objects shown per group of a result's object tree; the rest is in the result document. */
export const RESULT_OBJECT_GROUP_LIMIT = 200;

/**
 * A command result's objects grouped as the tree shows them (changed, new, deleted, orphan, unchanged; empty groups
 * left out), each group sorted by object and cut at `limit`: a result of 50,000 objects gives at most 5 × limit rows.
 */
export function resultObjectGroups(
  result: Pick<CommandResult, 'objects'>,
  limit = RESULT_OBJECT_GROUP_LIMIT,
): ResultObjectGroup[] {
  const by = new Map<ResultObjectStatus, ResultObject[]>();
  for (const object of result.objects ?? []) {
    const status = statusOf(object) ?? 'unchanged';
    let list = by.get(status);
    if (!list) by.set(status, (list = []));
    list.push(object);
  }
  return RESULT_OBJECT_STATUSES.flatMap((status) => {
    const list = by.get(status);
    if (!list) return [];
    const keyed = list.map((o) => [objectRefString(o.ref), o] as const).sort((a, b) => a[0].localeCompare(b[0]));
    return [
      {
        status,
        total: list.length,
        objects: keyed.slice(0, Math.max(0, limit)).map(([, o]) => ({ ref: o.ref, hook: o.hook === true })),
      },
    ];
  });
}

/**
 * What opening one object of a result shows, masked: a changed object's diff (cluster before ↔ applied), else one
 * document: the applied manifest of a new or unchanged object, the cluster's manifest of a deleted or orphan one.
 * Undefined when the result has no such object.
 */
export function resultObjectDocument(
  result: Pick<CommandResult, 'objects'>,
  compacted: CompactedObject[] | undefined,
  ref: ObjectRef,
  options: ObjectDiffOptions = {},
): (Omit<ObjectDiff, 'status'> & { status: ResultObjectStatus }) | undefined {
  const key = objectRefString(ref);
  const object = result.objects?.find((o) => objectRefString(o.ref) === key);
  if (!object) return undefined;
  const manifests = compacted?.find((c) => objectRefString(c.ref) === key);
  const status = statusOf(object);
  if (status) return objectDiffs({ objects: [object] }, manifests ? [manifests] : undefined, options)[0];
  const applied = manifests?.applied ?? manifests?.rendered ?? object.applied ?? object.rendered;
  const [, right] = maskDocuments(object.ref, undefined, applied, options.revealSecrets === true);
  return { ref: object.ref, status: 'unchanged', right: right && toYaml(right) };
}
