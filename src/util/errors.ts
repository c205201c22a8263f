/**
 * The one cancellation error: whatever was cancelled (a Kubernetes request, a render, a child process, a wait),
 * callers see a CancelledError and report "cancelled", never "failed".
 */
export class CancelledError extends Error {
  constructor(
    what: string,
    /** What the cancelled command had done by then, when it could say (e.g. a deploy's partial CommandResult). */
    readonly partial?: unknown,
  ) {
    super(`${what}: cancelled`);
    this.name = 'CancelledError';
  }
}

/** Whether an error is a CancelledError, also one that crossed a bundle or worker boundary (compared by name). */
export function isCancelled(error: unknown): error is CancelledError {
  return error instanceof CancelledError || (error instanceof Error && error.name === 'CancelledError');
}

/**
 * Whether an error means "the caller cancelled": our CancelledError, or what Node throws for an aborted
 * AbortSignal (`AbortError` from child processes, timers and `signal.throwIfAborted()`).
 */
export function isCancellation(error: unknown): boolean {
  return isCancelled(error) || (error instanceof Error && error.name === 'AbortError');
}

/** Throws a CancelledError naming `what` when the signal has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}

/**
 * Bad input in a file, as `file:line: detail` (the line when known). The base of the engine's file errors
 * (`ProjectError`, `KustomizeError`); layers below the engine (kube, kluctl) throw it directly.
 */
export class FileError extends Error {
  constructor(
    readonly file: string | undefined,
    readonly line: number | undefined,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(file ? `${file}${line ? `:${line}` : ''}: ${detail}` : detail, options);
    this.name = 'FileError';
  }
}

/**
 * A problem with one named object (a Kubernetes object as `Kind namespace/name`, a result, a KluctlDeployment), as
 * `object: detail`; `object` is the reference as the caller prints it.
 */
export class ObjectError extends Error {
  constructor(
    readonly object: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${object}: ${detail}`, options);
    this.name = 'ObjectError';
  }
}
