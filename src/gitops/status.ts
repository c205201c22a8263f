import { parseManualRequest, requestTime } from './requests.js';
import { countObjects, type ObjectCounts } from '../kluctl/results.js';
import {
  READY_REASONS,
  REQUEST_ANNOTATIONS,
  REQUEST_KINDS,
  REQUEST_RESULT_FIELDS,
  type Condition,
  type KluctlDeployment,
  type RequestKind,
} from '../kluctl/types.js';

export type DeploymentState =
  'suspended' | 'requestPending' | 'reconciling' | 'ready' | 'prepareFailed' | 'failed' | 'unknown';
export type ValidationState = 'disabled' | 'unknown' | 'ready' | 'warnings' | 'failed';

export interface PresentedStatus {
  state: DeploymentState;
  /** One line for a tree item's description or a status bar. */
  summary: string;
  /** When the deployment entered this state, if known. */
  since?: Date;
  suspended: boolean;
  /** Requests asked for but not yet picked up, or being handled now. */
  pendingRequests: RequestKind[];
  manualApprovalPending: boolean;
  drift?: { message: string; hasDrift: boolean; objects: ObjectCounts; errors: number; warnings: number };
  lastDeploy?: { command?: string; endTime?: Date; objects: ObjectCounts; errors: number; warnings: number };
  lastValidate?: { ready: boolean; endTime?: Date; errors: number; warnings: number };
  validation: ValidationState;
  conditions: Condition[];
}

/** A request nobody has picked up after this long, while the controller is idle, probably never will be. */
export const REQUEST_STALL_MS = 60_000;
const SUMMARY_MAX = 200;

/**
 * How a KluctlDeployment is doing, following the Kluctl Webui (`ReconcilingIcon.tsx`, `StatusIcon.tsx`) with
 * two deliberate differences:
 * - manual requests run while suspended, so a pending or running one shows over "suspended";
 * - Ready=Unknown/Progressing reads as reconciling rather than as a failure.
 * As in the Webui, Ready=False/ValidateFailed counts as ready: validation has its own `validation` state.
 */
export function presentStatus(kd: KluctlDeployment, now: Date = new Date()): PresentedStatus {
  const status = kd.status;
  const conditions = status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const reconciling = conditions.find((c) => c.type === 'Reconciling' && c.status === 'True');
  const requests = pendingRequests(kd, reconciling !== undefined);
  const suspended = kd.spec.suspend === true;

  const base: Omit<PresentedStatus, 'state' | 'summary' | 'since'> = {
    suspended,
    pendingRequests: requests.map((r) => r.kind),
    manualApprovalPending:
      kd.spec.manual === true && !!status?.lastObjectsHash && status.lastObjectsHash !== kd.spec.manualObjectsHash,
    drift: presentDrift(kd),
    lastDeploy: presentLastDeploy(kd),
    lastValidate: presentLastValidate(kd),
    validation: validationState(kd),
    conditions,
  };
  const queued = requests.filter((r) => r.phase === 'requested').map((r) => `${r.kind} requested`);

  if (suspended && requests.length === 0) return { ...base, state: 'suspended', summary: 'Suspended' };
  if (reconciling) {
    const extra = queued.length > 0 ? ` (${queued.join(', ')})` : '';
    return {
      ...base,
      state: 'reconciling',
      summary: firstLine(reconciling.message) + extra,
      since: timeOf(reconciling.lastTransitionTime),
    };
  }
  if (requests.length > 0) {
    // Without a Reconciling condition nothing runs (see pendingRequests): these are all waiting.
    const times = requests.flatMap((r) => (r.since ? [r.since.getTime()] : []));
    const since = times.length > 0 ? new Date(Math.min(...times)) : undefined;
    return { ...base, state: 'requestPending', summary: describeWaiting(requests, since, now), since };
  }
  if (!status || Object.keys(status).length === 0)
    return { ...base, state: 'unknown', summary: 'Status not available yet' };
  if (!ready) return { ...base, state: 'unknown', summary: 'Ready condition is missing' };

  const since = timeOf(ready.lastTransitionTime);
  if (ready.status === 'True' || (ready.status === 'False' && ready.reason === READY_REASONS.validateFailed)) {
    return { ...base, state: 'ready', summary: firstLine(ready.message), since };
  }
  if (ready.status === 'Unknown') {
    const state = ready.reason === READY_REASONS.progressing ? 'reconciling' : 'unknown';
    return { ...base, state, summary: firstLine(ready.message), since };
  }
  if (ready.reason === READY_REASONS.prepareFailed) {
    const detail = status.lastPrepareError ? `prepare failed: ${firstLine(status.lastPrepareError)}` : ready.message;
    return { ...base, state: 'prepareFailed', summary: firstLine(detail), since };
  }
  return { ...base, state: 'failed', summary: firstLine(ready.message), since };
}

interface PendingRequest {
  kind: RequestKind;
  phase: 'requested' | 'running';
  /** For requested: when it was asked for (if the value tells); for running: when the controller started it. */
  since?: Date;
}

/**
 * A request annotation whose value no `<kind>RequestResult` acknowledges yet is requested; an acknowledged
 * result without `endTime` is running, but only while the controller reports Reconciling: a controller that
 * died mid-request never sets `endTime`, and that request must not look busy forever.
 */
function pendingRequests(kd: KluctlDeployment, controllerBusy: boolean): PendingRequest[] {
  return REQUEST_KINDS.flatMap((kind): PendingRequest[] => {
    const annotation = kd.metadata.annotations?.[REQUEST_ANNOTATIONS[kind]];
    const result = kd.status?.[REQUEST_RESULT_FIELDS[kind]];
    const requestValue =
      annotation === undefined ? undefined : (parseManualRequest(annotation)?.requestValue ?? annotation);
    if (requestValue !== undefined && result?.request?.requestValue !== requestValue) {
      return [{ kind, phase: 'requested', since: requestTime(requestValue) }];
    }
    if (result?.startTime && !result.endTime && controllerBusy)
      return [{ kind, phase: 'running', since: timeOf(result.startTime) }];
    return [];
  });
}

function describeWaiting(requests: PendingRequest[], since: Date | undefined, now: Date): string {
  const text = requests.map((r) => `${capitalize(r.kind)} requested`).join(', ');
  const waitedMs = since ? now.getTime() - since.getTime() : 0;
  if (waitedMs < REQUEST_STALL_MS) return text;
  const minutes = Math.round(waitedMs / 60_000);
  return `${text} ${minutes} min ago, not picked up yet: is the kluctl-controller running and watching this namespace?`;
}

function presentDrift(kd: KluctlDeployment): PresentedStatus['drift'] {
  const result = kd.status?.lastDriftDetectionResult;
  const message = kd.status?.lastDriftDetectionResultMessage;
  if (!result && !message) return undefined;
  const objects = countObjects(result?.objects ?? []);
  const hasDrift = objects.new + objects.changed + objects.deleted + objects.orphan > 0;
  return {
    message: message ?? (hasDrift ? 'drift' : 'no drift'),
    hasDrift,
    objects,
    errors: result?.errors?.length ?? 0,
    warnings: result?.warnings?.length ?? 0,
  };
}

function presentLastDeploy(kd: KluctlDeployment): PresentedStatus['lastDeploy'] {
  const summary = kd.status?.lastDeployResult;
  if (!summary) return undefined;
  return {
    command: summary.commandInfo?.command,
    endTime: timeOf(summary.commandInfo?.endTime),
    objects: {
      new: summary.newObjects ?? 0,
      changed: summary.changedObjects ?? 0,
      deleted: summary.deletedObjects ?? 0,
      orphan: summary.orphanObjects ?? 0,
    },
    errors: summary.errors?.length ?? 0,
    warnings: summary.warnings?.length ?? 0,
  };
}

function presentLastValidate(kd: KluctlDeployment): PresentedStatus['lastValidate'] {
  const result = kd.status?.lastValidateResult;
  if (!result) return undefined;
  return {
    ready: result.ready,
    endTime: timeOf(result.endTime),
    errors: result.errors?.length ?? 0,
    warnings: result.warnings?.length ?? 0,
  };
}

function validationState(kd: KluctlDeployment): ValidationState {
  if (kd.spec.validate === false) return 'disabled';
  const result = kd.status?.lastValidateResult;
  if (!result) return 'unknown';
  if (!result.ready || (result.errors?.length ?? 0) > 0) return 'failed';
  return (result.warnings?.length ?? 0) > 0 ? 'warnings' : 'ready';
}

function firstLine(message: string | undefined): string {
  const line = (message ?? '').trim().split('\n')[0].trim();
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1)}…` : line;
}

function timeOf(value: string | undefined): Date | undefined {
  const time = value ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? undefined : new Date(time);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
