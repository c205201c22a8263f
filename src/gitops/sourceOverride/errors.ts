/** Why a source override could not be set up or served; each message says what to check. */
export type SourceOverrideProblem =
  /** ConfigMap `kluctl-source-override-ca` (or its `ca.pem`) is missing or unusable. */
  | 'caMissing'
  /** No Running+Ready kluctl-controller pod with a `source-override` port, and no local port configured. */
  | 'noControllerPod'
  /** Nothing answers on the controller's source-override port, or the port-forward failed. */
  | 'controllerUnreachable'
  /** The server's certificate does not verify against the controller's CA. */
  | 'untrustedServer'
  /** The ProxyStream handshake was refused or broken. */
  | 'handshakeFailed'
  /** The Git tree exceeds the controller's limits. */
  | 'artifactTooLarge'
  /** The tree cannot be packed (unreadable file, a name the controller rejects). */
  | 'artifactFailed'
  /** The stream ended while the override was still in use. */
  | 'connectionLost';
// A cancelled setup or an intended close is not a problem of the override: it throws the one CancelledError.

export class SourceOverrideError extends Error {
  constructor(
    readonly problem: SourceOverrideProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SourceOverrideError';
  }
}

export interface SizedFile {
  /** Relative to the Git root, forward slashes. */
  path: string;
  size: number;
}

export class ArtifactTooLargeError extends SourceOverrideError {
  constructor(
    message: string,
    /** The biggest files of the tree, largest first. */
    readonly largestFiles: SizedFile[],
  ) {
    super('artifactTooLarge', message);
    this.name = 'ArtifactTooLargeError';
  }
}

/**
 * A file of the working tree could not be read. Names only the path inside the tree: the message may be sent to
 * the controller, which stores it in the cluster.
 */
export function unreadableError(relPath: string, error: unknown): SourceOverrideError {
  const cause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new SourceOverrideError('artifactFailed', `cannot read "${relPath || '.'}" in the working tree (${cause})`);
}
