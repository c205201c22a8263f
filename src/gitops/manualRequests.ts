import type { KubeClient } from '../kube/client.js';
import { CancelledError, ObjectError } from '../util/errors.js';
import { KubeApiError } from '../kube/errors.js';
import {
  deploymentsPath,
  describeRef,
  getDeployment,
  mergePatchDeployment,
  waitForDeployment,
  type DeploymentRef,
} from './deploymentApi.js';
import {
  approvePatch,
  buildManualRequest,
  clearLastDiffResultPatch,
  isDiffStatusSettled,
  newRequestValue,
  requestPatch,
  requestResultFor,
  suspendPatch,
} from './requests.js';
import { deleteCommandResult } from '../kluctl/resultStore.js';
import { ControllerPodLostError, ControllerPodsGuard } from './controllerPods.js';
import { FIELD_MANAGERS } from '../kluctl/fieldManagers.js';
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
  /**
   * The controller's namespace: while the request runs, its Pods are watched, and the wait ends with a
   * ControllerPodLostError when every Pod that could run it is gone before it finished (the controller does not
   * resume a request it has started). Without it (or when its Pods cannot be listed) only the timeouts apply.
   */
  controllerNamespace?: string;
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
  // Watching the controller Pods starts before the request is sent, so the Pods serving it are known on pick-up.
  const guard = options.controllerNamespace ? new ControllerPodsGuard(client, options.controllerNamespace) : undefined;
  try {
    await mergePatchDeployment(client, ref, requestPatch(kind, annotation), `request ${kind} of`, {
      signal: options.signal,
    });
    options.onProgress?.({ phase: 'requested', requestValue });
    return await waitForRequest(client, ref, kind, requestValue, options, guard);
  } finally {
    guard?.dispose();
  }
}

/**
 * A request sent but not yet picked up survives a replaced controller Pod: its annotation stays on the
 * deployment until a controller starts it, so the new Pod runs it (within the start timeout). A request already
 * started does not: the controller removed the annotation when it started, and the new Pod does not resume it.
 */
async function waitForRequest(
  client: KubeClient,
  ref: DeploymentRef,
  kind: RequestKind,
  requestValue: string,
  options: RunRequestOptions,
  guard: ControllerPodsGuard | undefined,
): Promise<RequestOutcome> {
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
  await guard?.arm(options.signal);

  const finishTimeoutMs = options.finishTimeoutMs ?? 30 * 60_000;
  const stopWaiting = new AbortController();
  const onAbort = (): void => stopWaiting.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const finished = waitForDeployment(
    client,
    ref,
    (kd) => {
      const current = requestResultFor(kd, kind, requestValue);
      return current?.endTime ? current : undefined;
    },
    {
      signal: stopWaiting.signal,
      timeoutMs: finishTimeoutMs,
      timeoutMessage: `the ${kind} of ${describeRef(ref)} did not finish within ${finishTimeoutMs / 60_000} min (reconcile id ${started.reconcileId})`,
    },
  );
  const lost = guard?.lost.then(async ({ lost: pods, replacements }) => {
    // The Pods are gone, so their containers have stopped: a result they wrote is in the status by now.
    const kd = await getDeployment(client, ref, { signal: options.signal });
    const current = requestResultFor(kd, kind, requestValue);
    if (current?.endTime) return current;
    const podNames = pods.map((p) => `${guard.namespace}/${p}`).join(', ');
    throw new ControllerPodLostError(
      describeRef(ref),
      `the ${kind} request (reconcile id ${started.reconcileId}) did not finish: the kluctl-controller Pod ${podNames} that ran it was deleted. The controller does not resume a request it had started${replacements.length > 0 ? ` (${replacements.map((p) => `${guard.namespace}/${p}`).join(', ')} serves now)` : ''}: run it again.`,
      pods,
      replacements,
    );
  });
  let result: ManualRequestResult;
  try {
    result = await (lost ? Promise.race([finished, lost]) : finished);
  } catch (error) {
    if (options.signal?.aborted || error instanceof CancelledError)
      throw withCancelNote(
        error instanceof CancelledError ? error : new CancelledError(`waiting for ${describeRef(ref)}`),
        `the controller goes on with it (reconcile id ${started.reconcileId})`,
      );
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stopWaiting.abort();
    // The loser of the race ends (cancelled) or never settles; neither is an unhandled rejection.
    finished.catch(() => undefined);
    lost?.catch(() => undefined);
  }
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
  throw new ObjectError(
    describeRef(kd.metadata as DeploymentRef),
    `the kluctl-controller rejected the ${kind} request: ${reason}`,
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

export interface CleanupDiffOptions {
  /** The controller's `--command-result-namespace`. */
  resultsNamespace?: string;
  signal?: AbortSignal;
  /** How long to wait for the controller to write `status.lastDiffResult` of this diff (default 30 s). */
  statusTimeoutMs?: number;
}

/** What a diff cleanup did; a step that could not be done says why (the cleanup never throws but on cancel). */
export interface CleanupDiffOutcome {
  deletedSecrets: number;
  clearedStatus: boolean;
  problems: string[];
}

/**
 * After a diff request's result was read: deletes its result Secret and clears `status.lastDiffResult` when it is
 * still the summary of this request, as `kluctl gitops diff` does, so a diff of an uncommitted checkout does not
 * stay in the results and the Webui's history. Only this request's result is touched: the Secret is selected by
 * the result id, the status patch is conditional (see clearLastDiffResultPatch).
 */
export async function cleanupDiffResult(
  client: KubeClient,
  ref: DeploymentRef,
  outcome: Pick<RequestOutcome, 'requestValue' | 'resultId'>,
  options: CleanupDiffOptions = {},
): Promise<CleanupDiffOutcome> {
  const done: CleanupDiffOutcome = { deletedSecrets: 0, clearedStatus: false, problems: [] };
  if (!outcome.resultId) return done;
  const attempt = async (what: string, step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      done.problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  await attempt('delete the result', async () => {
    done.deletedSecrets = await deleteCommandResult(client, outcome.resultId, {
      namespace: options.resultsNamespace,
      signal: options.signal,
    });
  });
  await attempt('clear status.lastDiffResult', async () => {
    // lastDiffResult is written at the end of the controller's pass, after diffRequestResult says the diff
    // finished: read too early, the summary is still the previous diff's and ours would be left behind.
    const statusTimeoutMs = options.statusTimeoutMs ?? 30_000;
    const kd = await waitForDeployment(
      client,
      ref,
      (current) => (isDiffStatusSettled(current, outcome.requestValue, outcome.resultId) ? current : undefined),
      {
        signal: options.signal,
        timeoutMs: statusTimeoutMs,
        timeoutMessage: `the kluctl-controller did not finish the status of this diff (${outcome.resultId}) within ${statusTimeoutMs / 1000}s`,
      },
    );
    const patch = clearLastDiffResultPatch(kd, outcome.requestValue, outcome.resultId);
    if (!patch) return;
    try {
      await client.requestJson<KluctlDeployment>({
        method: 'PATCH',
        path: `${deploymentsPath(ref.namespace, ref.name)}/status`,
        query: { fieldManager: FIELD_MANAGERS.requests },
        body: patch,
        contentType: 'application/json-patch+json',
        signal: options.signal,
        description: `clear the diff result of ${describeRef(ref)}`,
      });
      done.clearedStatus = true;
    } catch (error) {
      // A failed test operation: a newer diff (another's) is there now, which is left alone.
      if (error instanceof KubeApiError && error.statusCode === 422) return;
      throw error;
    }
  });
  return done;
}
