/** Errors raised by the Kubernetes client layer, each naming what was asked of which cluster. */

/** The API server answered with a non-2xx status (a `Status` object when it could say why). */
export interface StatusCause {
  /** The cause type (Go's StatusCause.Type is serialised as `reason`), e.g. FieldManagerConflict. */
  reason?: string;
  message?: string;
  field?: string;
}

export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    readonly apiMessage: string,
    readonly request: string,
    /** `Status.details.causes`, e.g. the FieldManagerConflict entries of a 409 from server-side apply. */
    readonly causes: StatusCause[] = [],
  ) {
    super(`${request}: ${statusCode} ${reason}${apiMessage ? `: ${apiMessage}` : ''}`);
    this.name = 'KubeApiError';
  }

  get isNotFound(): boolean {
    return this.statusCode === 404;
  }
  get isForbidden(): boolean {
    return this.statusCode === 403;
  }
  get isConflict(): boolean {
    return this.statusCode === 409;
  }
  /** A watch's resourceVersion was compacted away; the caller must list again. */
  get isGone(): boolean {
    return this.statusCode === 410;
  }
}

/** The cluster serves no resource for a kind (its CRD is missing); the message is Kubernetes' own. */
export class NoMatchError extends Error {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
    this.name = 'NoMatchError';
  }
}

/** The cluster could not be reached at all (DNS, refused, TLS, timeout) or the call was cancelled. */
export class KubeUnreachableError extends Error {
  constructor(
    readonly server: string,
    readonly request: string,
    readonly causeMessage: string,
    readonly timedOut: boolean,
  ) {
    super(
      timedOut
        ? `${request}: no answer from ${server} (timed out)`
        : `${request}: cannot reach ${server}: ${causeMessage}`,
    );
    this.name = 'KubeUnreachableError';
  }
}

/** The context's credentials could not be obtained (a failing or interactive exec/OIDC plugin, a bad token file). */
export class KubeCredentialsError extends Error {
  constructor(
    readonly contextName: string,
    readonly request: string,
    detail: string,
  ) {
    super(`${request}: the credentials of context "${contextName}" ${detail}`);
    this.name = 'KubeCredentialsError';
  }
}

/** The API server's own message of a failed request (what Kluctl reports), else the error's message. */
export function apiMessageOf(error: unknown): string {
  if (error instanceof KubeApiError && error.apiMessage) return error.apiMessage;
  return error instanceof Error ? error.message : String(error);
}
