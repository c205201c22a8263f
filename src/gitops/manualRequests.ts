import type { KubeClient } from '../kube/client.js';
import { CancelledError } from '../kube/errors.js';
import {
  describeRef,
  getDeployment,
  mergePatchDeployment,
  waitForDeployment,
  type DeploymentRef,
} from './deploymentApi.js';
import {
  approvePatch,
  buildManualRequest,
  newRequestValue,
  requestPatch,
  requestResultFor,
  suspendPatch,
} from './requests.js';
import {
  REQUEST_ANNOTATIONS,
  type KluctlDeployment,
  type ManualRequestResult,
  type RequestKind,
} from '../kluctl/types.js';

export type RequestProgress =
  | { phase: 'requested'; requestValue: string }
  | { phase: 'started'; reconcileId: string }
  | { phase: 'finished'; result: ManualRequestResult };

export interface RunRequestOptions {
  /** A JSON merge patch applied to the deployment for this one request (`spec` only). */
  overridesPatch?: Record<string, unknown>;
  signal?: AbortSignal;
  /** How long the controller may take to pick the request up (default 60 s). */
  startTimeoutMs?: number;
  /** How long the command may run once started (default 30 min). */
  finishTimeoutMs?: number;
  onProgress?(progress: RequestProgress): void;
}

export interface RequestOutcome {
  requestValue: string;
  reconcileId: string;
  /** Id of the stored command or validate result; empty for reconcile requests and failed preparations. */
  resultId: string;
  /** The controller's error text; empty when the command succeeded. */
  commandError: string;
  result: ManualRequestResult;
}

/**
 * Asks the kluctl-controller to run one command for a deployment (`kluctl.io/request-<kind>`), then waits until it
 * has started (its `reconcileId` is known, for logs) and finished. This mirrors `kluctl gitops <kind>`, with a watch
 * instead of polling and a timeout when the controller never picks the request up.
 */
export async function runRequest(
  client: KubeClient,
  ref: DeploymentRef,
  kind: RequestKind,
  options: RunRequestOptions = {},
): Promise<RequestOutcome> {
  const requestValue = newRequestValue();
  const annotation = buildManualRequest(requestValue, options.overridesPatch);
  await mergePatchDeployment(client, ref, requestPatch(kind, annotation), `request ${kind} of`, {
    signal: options.signal,
  });
  options.onProgress?.({ phase: 'requested', requestValue });

  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const started = await waitForDeployment(
    client,
    ref,
    (kd) => requestResultFor(kd, kind, requestValue) ?? rejectedByController(kd, kind),
    {
      signal: options.signal,
      timeoutMs: startTimeoutMs,
      timeoutMessage: `the kluctl-controller did not pick up the ${kind} request for ${describeRef(ref)} within ${startTimeoutMs / 1000}s: is it running, and does it watch namespace "${ref.namespace}"?`,
    },
  ).catch((error: Error) => {
    throw withCancelNote(error, 'the request was sent; the controller may still run it');
  });
  options.onProgress?.({ phase: 'started', reconcileId: started.reconcileId });

  const finishTimeoutMs = options.finishTimeoutMs ?? 30 * 60_000;
  const result = await waitForDeployment(
    client,
    ref,
    (kd) => {
      const current = requestResultFor(kd, kind, requestValue);
      return current?.endTime ? current : undefined;
    },
    {
      signal: options.signal,
      timeoutMs: finishTimeoutMs,
      timeoutMessage: `the ${kind} of ${describeRef(ref)} did not finish within ${finishTimeoutMs / 60_000} min (reconcile id ${started.reconcileId})`,
    },
  ).catch((error: Error) => {
    throw withCancelNote(error, `the controller goes on with it (reconcile id ${started.reconcileId})`);
  });
  options.onProgress?.({ phase: 'finished', result });
  return {
    requestValue,
    reconcileId: result.reconcileId,
    resultId: result.resultId ?? '',
    commandError: result.commandError ?? '',
    result,
  };
}

/**
 * The controller removes the request annotation before it parses it, within a reconcile pass marked by the
 * Reconciling condition. If parsing or applying the overrides fails, it writes no request result but fails the
 * preparation. So: annotation gone, pass over, no result means rejected; without this check the caller would
 * wait until the timeout for an acknowledgement that never comes.
 */
function rejectedByController(kd: KluctlDeployment, kind: RequestKind): undefined {
  if (kd.metadata.annotations?.[REQUEST_ANNOTATIONS[kind]] !== undefined) return undefined;
  const conditions = kd.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Reconciling' && c.status === 'True')) return undefined;
  const ready = conditions.find((c) => c.type === 'Ready');
  const reason = kd.status?.lastPrepareError || ready?.message || 'no reason given';
  throw new Error(
    `the kluctl-controller rejected the ${kind} request for ${describeRef(kd.metadata as DeploymentRef)}: ${reason}`,
  );
}

function withCancelNote(error: Error, note: string): Error {
  return error instanceof CancelledError
    ? new CancelledError(`${error.message.replace(/: cancelled$/, '')} (${note})`)
    : error;
}

export interface SuspendOptions {
  signal?: AbortSignal;
  /** How long to wait for the controller to observe the change (default 60 s). */
  timeoutMs?: number;
}

/**
 * Suspends or resumes automatic reconciliation, then waits until the controller has observed the new generation,
 * as `kluctl gitops suspend/resume` do. Manual requests still run while suspended.
 */
export async function setSuspended(
  client: KubeClient,
  ref: DeploymentRef,
  suspended: boolean,
  options: SuspendOptions = {},
): Promise<KluctlDeployment> {
  const patched = await mergePatchDeployment(client, ref, suspendPatch(suspended), suspended ? 'suspend' : 'resume', {
    signal: options.signal,
  });
  const generation = patched.metadata.generation ?? 0;
  const timeoutMs = options.timeoutMs ?? 60_000;
  return waitForDeployment(client, ref, (kd) => ((kd.status?.observedGeneration ?? 0) >= generation ? kd : undefined), {
    signal: options.signal,
    timeoutMs,
    timeoutMessage: `${describeRef(ref)} was ${suspended ? 'suspended' : 'resumed'}, but the kluctl-controller did not observe it within ${timeoutMs / 1000}s: is it running?`,
  });
}

/** Approves the currently rendered objects of a deployment in manual mode, as the Webui's "Approve" does. */
export async function approveDeployment(
  client: KubeClient,
  ref: DeploymentRef,
  options: { signal?: AbortSignal } = {},
): Promise<KluctlDeployment> {
  const current = await getDeployment(client, ref, options);
  return mergePatchDeployment(client, ref, approvePatch(current), 'approve', options);
}
