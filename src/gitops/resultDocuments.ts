import DiffMatchPatch from 'diff-match-patch';
import { stringify } from 'yaml';
import { decodeSecretPayload, objectRefString, RESULT_DATA_KEYS, type SecretObject } from '../kluctl/results.js';
import type { CommandResult, ObjectRef, ResultObject } from '../kluctl/types.js';

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
    [left, right] = maskSecrets(object.ref, left, right, options.revealSecrets === true);
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
  return stringify(cleanManifest(object), YAML_OPTIONS);
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

export const MASK = '*****';

/**
 * Secret values are replaced on both sides; a value that differs between the sides is marked, so the diff still
 * tells that it changed without telling what it was.
 */
function maskSecrets(
  ref: ObjectRef,
  left: Record<string, unknown> | undefined,
  right: Record<string, unknown> | undefined,
  reveal: boolean,
): [Record<string, unknown> | undefined, Record<string, unknown> | undefined] {
  if (reveal || ref.kind !== 'Secret' || ref.group) return [left, right];
  const l = left && structuredClone(left);
  const r = right && structuredClone(right);
  const values = (o: Record<string, unknown> | undefined): Record<string, string> => ({
    ...decodedValues(o?.data as Record<string, string> | undefined, true),
    ...decodedValues(o?.stringData as Record<string, string> | undefined, false),
  });
  const before = values(l);
  const after = values(r);
  for (const [doc, other] of [
    [l, before],
    [r, before],
  ] as const) {
    if (!doc) continue;
    for (const field of ['data', 'stringData'] as const) {
      const map = doc[field] as Record<string, string> | undefined;
      if (!map) continue;
      for (const key of Object.keys(map)) {
        const changed = doc === r && other[key] !== undefined && other[key] !== after[key];
        map[key] = changed ? `${MASK} (changed)` : MASK;
      }
    }
  }
  return [l, r];
}

function decodedValues(map: Record<string, string> | undefined, base64: boolean): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map ?? {}).map(([k, v]) => [k, base64 ? Buffer.from(v, 'base64').toString('utf8') : v]),
  );
}
