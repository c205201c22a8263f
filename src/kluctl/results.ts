import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeObject } from '../kube/objects.js';
import { sortedJson } from './compactedObjects.js';
import type {
  CommandResult,
  CommandResultSummary,
  ObjectRef,
  ProjectKey,
  ResultObject,
  ValidateResult,
  ValidateResultSummary,
} from './resultTypes.js';
import { ObjectError } from '../util/errors.js';

/** The controller's default `--command-result-namespace`. */
export const DEFAULT_RESULTS_NAMESPACE = 'kluctl-results';

export const RESULT_LABELS = {
  isResult: 'kluctl.io/result',
  commandResultId: 'kluctl.io/command-result-id',
  validateResultId: 'kluctl.io/validate-result-id',
} as const;

export const RESULT_ANNOTATIONS = {
  commandResultSummary: 'kluctl.io/command-result-summary',
  validateResultSummary: 'kluctl.io/validate-result-summary',
  projectRepoKey: 'kluctl.io/result-project-repo-key',
  projectSubDir: 'kluctl.io/result-project-subdir',
  /** Labels in v2.22–v2.26, annotations from v2.27: read both. */
  deploymentName: 'kluctl.io/result-deployment-name',
  deploymentNamespace: 'kluctl.io/result-deployment-namespace',
} as const;

/** The `data` keys holding gzip'd JSON. */
export const RESULT_DATA_KEYS = {
  commandResult: 'reducedResult',
  compactedObjects: 'compactedObjects',
  validateResult: 'result',
} as const;

export type ResultKind = 'command' | 'validate';

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export interface ResultSecretInfo {
  kind: ResultKind;
  id: string;
  deployment?: { name: string; namespace: string };
  projectKey: ProjectKey;
  /** Undefined when the annotation is missing or not JSON. */
  summary?: CommandResultSummary | ValidateResultSummary;
}

export interface ObjectCounts {
  new: number;
  changed: number;
  deleted: number;
  orphan: number;
}

export interface ObjectsByChange<T extends ResultObject = ResultObject> {
  new: T[];
  changed: T[];
  deleted: T[];
  orphan: T[];
  /** Hooks the command applied. */
  hooks: T[];
}

// Results are a few MiB at most; a bound keeps a corrupt or hostile payload from exhausting memory.
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** A result Secret's `data` value: base64 → gunzip → JSON. */
export function decodeSecretPayload<T = unknown>(base64: string): T {
  const gzipped = Buffer.from(base64, 'base64');
  if (gzipped.length < 2 || gzipped[0] !== 0x1f || gzipped[1] !== 0x8b)
    throw new Error('the result payload is not gzip data');
  let json: string;
  try {
    json = gunzipSync(gzipped, { maxOutputLength: MAX_PAYLOAD_BYTES }).toString('utf8');
  } catch (error) {
    throw new Error(`the result payload cannot be decompressed: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(json) as T;
  } catch (error) {
    throw new Error(`the result payload is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** The inverse of decodeSecretPayload: JSON (keys sorted, as Go writes maps) → gzip → base64. */
export function encodeSecretPayload(value: unknown): string {
  return gzipSync(Buffer.from(sortedJson(value)), { level: 9 }).toString('base64');
}

/** The label selector that finds the Secret of one result. */
export function findResultSecretSelector(kind: ResultKind, id: string): string {
  const idLabel = kind === 'command' ? RESULT_LABELS.commandResultId : RESULT_LABELS.validateResultId;
  return `${RESULT_LABELS.isResult}=true,${idLabel}=${id}`;
}

/** What a result Secret's labels and annotations say, without decoding its payload; undefined if it is none. */
export function resultSecretInfo(secret: KubeObject): ResultSecretInfo | undefined {
  const labels = secret.metadata.labels ?? {};
  const annotations = secret.metadata.annotations ?? {};
  const commandId = labels[RESULT_LABELS.commandResultId];
  const validateId = labels[RESULT_LABELS.validateResultId];
  const kind: ResultKind | undefined = commandId ? 'command' : validateId ? 'validate' : undefined;
  if (!kind) return undefined;
  const summaryKey =
    kind === 'command' ? RESULT_ANNOTATIONS.commandResultSummary : RESULT_ANNOTATIONS.validateResultSummary;
  return {
    kind,
    id: commandId || validateId,
    deployment: resultSecretDeployment(secret),
    projectKey: {
      repoKey: annotations[RESULT_ANNOTATIONS.projectRepoKey],
      subDir: annotations[RESULT_ANNOTATIONS.projectSubDir],
    },
    summary: parseJsonOrUndefined(annotations[summaryKey]),
  };
}

/** The KluctlDeployment a result belongs to, from annotations (v2.27+) or labels (v2.22–v2.26). */
export function resultSecretDeployment(secret: KubeObject): { name: string; namespace: string } | undefined {
  const read = (key: string): string | undefined => secret.metadata.annotations?.[key] || secret.metadata.labels?.[key];
  const name = read(RESULT_ANNOTATIONS.deploymentName);
  const namespace = read(RESULT_ANNOTATIONS.deploymentNamespace);
  return name && namespace ? { name, namespace } : undefined;
}

export function decodeCommandResult(secret: SecretObject): CommandResult {
  return decodeSecretPayload<CommandResult>(requireData(secret, RESULT_DATA_KEYS.commandResult));
}

export function decodeValidateResult(secret: SecretObject): ValidateResult {
  return decodeSecretPayload<ValidateResult>(requireData(secret, RESULT_DATA_KEYS.validateResult));
}

/** The objects of a command or drift result by what happened to them, each list sorted by ref. */
export function summarizeObjects<T extends ResultObject>(result: { objects?: T[] }): ObjectsByChange<T> {
  const byRef = (a: T, b: T): number => compareStrings(objectRefString(a.ref), objectRefString(b.ref));
  const objects = [...(result.objects ?? [])].sort(byRef);
  return {
    new: objects.filter((o) => o.new),
    changed: objects.filter((o) => (o.changes?.length ?? 0) > 0),
    deleted: objects.filter((o) => o.deleted),
    orphan: objects.filter((o) => o.orphan),
    hooks: objects.filter((o) => o.hook),
  };
}

export function countObjects(objects: readonly ResultObject[]): ObjectCounts {
  const { new: added, changed, deleted, orphan } = summarizeObjects({ objects: [...objects] });
  return { new: added.length, changed: changed.length, deleted: deleted.length, orphan: orphan.length };
}

/** The summary the controller and the CLI store beside a command result (annotation and KluctlDeployment status). */
export function buildSummary(r: CommandResult): CommandResultSummary {
  const objects = r.objects ?? [];
  const count = (f: (o: ResultObject) => boolean) => objects.filter(f).length;
  return {
    id: r.id,
    reconcileId: r.reconcileId,
    projectKey: r.projectKey,
    targetKey: r.targetKey,
    target: r.target,
    commandInfo: r.command!,
    gitInfo: r.gitInfo,
    clusterInfo: r.clusterInfo,
    renderedObjects: count((o) => !!o.rendered),
    remoteObjects: count((o) => !!o.remote),
    appliedObjects: count((o) => !!o.applied),
    appliedHookObjects: count((o) => !!o.hook),
    newObjects: count((o) => !!o.new),
    changedObjects: count((o) => !!o.changes?.length),
    orphanObjects: count((o) => !!o.orphan),
    deletedObjects: count((o) => !!o.deleted),
    errors: r.errors ?? [],
    warnings: r.warnings ?? [],
    totalChanges: objects.reduce((n, o) => n + (o.changes?.length ?? 0), 0),
  };
}

/** `ns/Kind/name`, or `Kind/name` for cluster-scoped objects, as Kluctl prints a ref. */
export function objectRefString(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.kind}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function requireData(secret: SecretObject, key: string): string {
  const value = secret.data?.[key];
  if (!value)
    throw new ObjectError(
      `Secret ${secret.metadata.namespace}/${secret.metadata.name}`,
      `has no data "${key}"; is it a Kluctl result?`,
    );
  return value;
}

function parseJsonOrUndefined<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
