/**
 * Exec credential plugins (kubeconfig `users[].user.exec`), run by us rather than by client-node, whose runner
 * neither stops a plugin that never answers nor reuses a credential without `expirationTimestamp` (it re-ran the
 * plugin on every API call) and starts one plugin per concurrent call. Here, per user:
 * - one plugin run in flight at a time (concurrent callers share it);
 * - a timeout or an abort kills the plugin with everything it started (its process group), unless another caller
 *   is still waiting for it;
 * - the credential is reused until its `expirationTimestamp`, or for the life of the process when it has none
 *   (as client-go does).
 */

import { runProcess } from '../util/run-process.js';

export interface ExecConfig {
  command: string;
  args?: string[] | null;
  env?: Array<{ name: string; value: string }> | null;
  apiVersion?: string;
}

export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

/** The plugin was stopped after `timeoutMs`. */
export class ExecPluginTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the exec plugin did not answer within ${Math.round(timeoutMs / 1000)}s and was stopped`);
    this.name = 'ExecPluginTimeoutError';
  }
}

interface Run {
  promise: Promise<ExecCredentialStatus>;
  controller: AbortController;
  waiters: number;
}

/** A credential counts as expired this long before its stated expiry, so that no request carries a stale one. */
const EXPIRY_MARGIN_MS = 10_000;

const cache = new Map<string, { status: ExecCredentialStatus; expiresAt: number }>();
const inFlight = new Map<string, Run>();

/** The identity of a plugin invocation: the user's name and everything that determines what the plugin returns. */
export function execCacheKey(userName: string, exec: ExecConfig): string {
  return JSON.stringify([userName, exec.command, exec.args ?? [], exec.env ?? [], exec.apiVersion ?? '']);
}

/** Forgets cached credentials (tests; a user who logged in again). */
export function clearExecCredentialCache(): void {
  cache.clear();
}

/**
 * The credential of `userName`'s plugin: cached, joined with a run in flight, or from a new run bounded by
 * `timeoutMs`. `signal` stops this caller's wait (and the run, when nobody else waits for it).
 */
export async function execCredential(
  userName: string,
  exec: ExecConfig,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ExecCredentialStatus> {
  const key = execCacheKey(userName, exec);
  const cached = cache.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached.status;
  cache.delete(key);

  let run = inFlight.get(key);
  if (!run) {
    const controller = new AbortController();
    const promise = runPlugin(exec, options.timeoutMs, controller.signal).then((status) => {
      const expiry = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : NaN;
      cache.set(key, { status, expiresAt: Number.isNaN(expiry) ? Infinity : expiry - EXPIRY_MARGIN_MS });
      return status;
    });
    const created: Run = { promise, controller, waiters: 0 };
    run = created;
    inFlight.set(key, created);
    void promise.then(
      () => inFlight.delete(key),
      () => inFlight.delete(key),
    );
  }
  return wait(run, options.signal);
}

function wait(run: Run, signal?: AbortSignal): Promise<ExecCredentialStatus> {
  if (signal?.aborted) return Promise.reject(abortError());
  run.waiters++;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      leave();
      reject(abortError());
    };
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      signal?.removeEventListener('abort', onAbort);
      if (--run.waiters === 0) run.controller.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    run.promise.then(
      (status) => {
        leave();
        resolve(status);
      },
      (error: unknown) => {
        leave();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function abortError(): Error {
  const error = new Error('cancelled');
  error.name = 'AbortError';
  return error;
}

async function runPlugin(exec: ExecConfig, timeoutMs: number, signal: AbortSignal): Promise<ExecCredentialStatus> {
  if (!exec.command) throw new Error('the exec plugin has no command');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  let result;
  try {
    result = await runProcess(exec.command, exec.args ?? [], {
      env,
      signal,
      timeoutMs,
      maxOutputBytes: 16 * 1024 * 1024,
    });
  } catch (error) {
    if ((error as Error).name === 'ProcessTimeoutError') throw new ExecPluginTimeoutError(timeoutMs);
    throw error;
  }
  if (result.code !== 0) {
    const stderr = result.stderr.toString('utf8').trim();
    throw new Error(stderr || `the exec plugin ${exec.command} failed with exit code ${result.code}`);
  }
  let parsed: { status?: ExecCredentialStatus };
  try {
    parsed = JSON.parse(result.stdout.toString('utf8')) as { status?: ExecCredentialStatus };
  } catch (error) {
    throw new Error(`the exec plugin ${exec.command} wrote no ExecCredential JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const status = parsed?.status;
  if (!status || (!status.token && !(status.clientCertificateData && status.clientKeyData)))
    throw new Error(`the exec plugin ${exec.command} returned neither a token nor a client certificate and key`);
  return status;
}
