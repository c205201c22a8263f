import { randomBytes } from 'node:crypto';
import {
  REQUEST_ANNOTATIONS,
  REQUEST_RESULT_FIELDS,
  type KluctlDeployment,
  type ManualRequest,
  type ManualRequestResult,
  type RequestKind,
  type SourceOverride,
} from '../kluctl/types.js';
import { ObjectError } from '../util/errors.js';

/**
 * A fresh correlation token: an ISO timestamp (so people and `requestTime` can read when it was asked for)
 * plus a random suffix (so two requests in the same millisecond differ).
 */
export function newRequestValue(now: Date = new Date()): string {
  return `${now.toISOString()}-${randomBytes(4).toString('hex')}`;
}

/**
 * When a request value says it was made: ours, the CLI's and the Webui's all start with an RFC 3339 time.
 * Undefined for other values (the e2e tests use random integers).
 */
export function requestTime(requestValue: string): Date | undefined {
  const stamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/.exec(requestValue)?.[0];
  const time = stamp === undefined ? NaN : Date.parse(stamp);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * The annotation value of a manual request: compact JSON with only `requestValue` and, when it changes
 * anything, `overridesPatch` (the controller decodes it strictly and rejects other keys).
 */
export function buildManualRequest(requestValue: string, overridesPatch?: Record<string, unknown>): string {
  if (requestValue === '') throw new Error('a manual request needs a non-empty requestValue');
  if (overridesPatch === undefined || isEmptyPatch(overridesPatch)) return JSON.stringify({ requestValue });
  const foreign = Object.keys(overridesPatch).filter((key) => key !== 'spec');
  if (foreign.length > 0) {
    // The controller would fail the request with "override patch tried to modify non-spec fields".
    throw new Error(`an overridesPatch may only change spec, not ${foreign.join(', ')}`);
  }
  return JSON.stringify({ requestValue, overridesPatch } satisfies ManualRequest);
}

/** Reads an annotation value back; undefined for anything the controller would not accept. */
export function parseManualRequest(annotationValue: string): ManualRequest | undefined {
  try {
    const parsed = JSON.parse(annotationValue) as Partial<ManualRequest> | null;
    return typeof parsed?.requestValue === 'string' && parsed.requestValue !== ''
      ? (parsed as ManualRequest)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The merge patch that asks for a request; `annotationValue` comes from `buildManualRequest`. */
export function requestPatch(
  kind: RequestKind,
  annotationValue: string,
): { metadata: { annotations: Record<string, string> } } {
  // A plain string (the v2.21 style) makes the controller fail without ever acknowledging: refuse it here.
  if (!parseManualRequest(annotationValue))
    throw new Error('the request annotation must be a ManualRequest JSON (use buildManualRequest)');
  return { metadata: { annotations: { [REQUEST_ANNOTATIONS[kind]]: annotationValue } } };
}

/** Suspend sets `true`; resume removes the field, as the CLI does (`false` is never written: omitempty). */
export function suspendPatch(suspend: boolean): { spec: { suspend: true | null } } {
  return { spec: { suspend: suspend ? true : null } };
}

/** Approves the currently rendered objects of a KluctlDeployment in manual mode. */
export function approvePatch(kd: KluctlDeployment): { spec: { manualObjectsHash: string } } {
  const hash = kd.status?.lastObjectsHash;
  if (!kd.spec.manual) throw new ObjectError(kd.metadata.name, 'not in manual mode; there is nothing to approve');
  if (!hash)
    throw new ObjectError(
      kd.metadata.name,
      'has not rendered its objects yet (status.lastObjectsHash is empty); there is nothing to approve',
    );
  return { spec: { manualObjectsHash: hash } };
}

/**
 * `spec.sourceOverrides` for an overridesPatch. A merge patch replaces arrays, so the existing entries must
 * be carried along; an existing entry for the same repo key and kind (group or not) gives way to ours.
 */
export function mergeSourceOverrides(
  existing: readonly SourceOverride[] | undefined,
  added: readonly SourceOverride[],
): SourceOverride[] {
  const identity = (o: SourceOverride): string => `${o.repoKey}\n${o.isGroup === true}`;
  const replaced = new Set(added.map(identity));
  return [...(existing ?? []).filter((o) => !replaced.has(identity(o))), ...added];
}

/** The controller's record of our request once it has picked it up, else undefined. */
export function requestResultFor(
  kd: KluctlDeployment,
  kind: RequestKind,
  requestValue: string,
): ManualRequestResult | undefined {
  const result = kd.status?.[REQUEST_RESULT_FIELDS[kind]];
  return result?.request?.requestValue === requestValue ? result : undefined;
}

/** The controller has started handling the request with this value. */
export function isRequestAcknowledged(kd: KluctlDeployment, kind: RequestKind, requestValue: string): boolean {
  return requestResultFor(kd, kind, requestValue) !== undefined;
}

/** The request has ended; `resultId` and `commandError` of its result are final. */
export function isRequestFinished(kd: KluctlDeployment, kind: RequestKind, requestValue: string): boolean {
  return !!requestResultFor(kd, kind, requestValue)?.endTime;
}

function isEmptyPatch(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isEmptyPatch)
  );
}

/**
 * Whether the controller is done writing the status of our diff request's pass, so `lastDiffResult` can be judged.
 * kluctl-controller (v2.22.1 and v2.28.2 alike) writes `diffRequestResult` with the end time and result id from
 * within the pass, but `lastDiffResult` only in the status patch at the very end of the pass (Reconcile's "now
 * patch all the other changes to the status"). Done when our summary is there, when a newer diff request replaced
 * ours, or when the pass is over: the Reconciling condition no longer says "Performing diff" (the next pass, queued
 * at once, starts with "Initializing"), so a summary cleared before stays cleared.
 */
export function isDiffStatusSettled(kd: KluctlDeployment, requestValue: string, resultId: string): boolean {
  const status = kd.status;
  if (status?.diffRequestResult?.request?.requestValue !== requestValue) return true;
  if (status.lastDiffResult?.id === resultId) return true;
  const reconciling = status.conditions?.find((c) => c.type === 'Reconciling');
  return !(reconciling?.status === 'True' && reconciling.message === 'Performing diff');
}

/**
 * The JSON patch (RFC 6902) of the status that clears `lastDiffResult` after our diff request was read, as
 * `kluctl gitops diff` does (`cleanupDiffResult`), made atomic: its `test` operations make the server refuse it
 * (422) when the diff request or the summary is no longer ours, so another's result is never cleared.
 * Undefined when there is nothing of ours to clear.
 */
export function clearLastDiffResultPatch(
  kd: KluctlDeployment,
  requestValue: string,
  resultId: string,
): Array<Record<string, unknown>> | undefined {
  const status = kd.status;
  if (!status?.lastDiffResult || status.diffRequestResult?.request?.requestValue !== requestValue) return undefined;
  if (status.lastDiffResult.id !== resultId) return undefined;
  return [
    { op: 'test', path: '/status/diffRequestResult/request/requestValue', value: requestValue },
    { op: 'test', path: '/status/lastDiffResult/id', value: resultId },
    { op: 'remove', path: '/status/lastDiffResult' },
  ];
}
