import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { KubeClient } from '../../kube/client.js';
import { KubeApiError } from '../../kube/errors.js';
import { SourceOverrideError } from './errors.js';
import { CancelledError } from '../../util/errors.js';

export const CA_CONFIGMAP_NAME = 'kluctl-source-override-ca';
export const CA_CONFIGMAP_KEY = 'ca.pem';
/** The controller's server certificate names `localhost`; clients always verify that name. */
export const SERVER_NAME = 'localhost';

const SERVER_AUTH_EKU = '1.3.6.1.5.5.7.3.1';
const PROBE_TIMEOUT_MS = 15_000;

/** The controller's CA from ConfigMap `kluctl-source-override-ca` (key `ca.pem`) in its namespace. */
export async function loadControllerCa(
  client: KubeClient,
  controllerNamespace: string,
  signal?: AbortSignal,
): Promise<X509Certificate> {
  const where = `ConfigMap ${controllerNamespace}/${CA_CONFIGMAP_NAME}`;
  let configMap: { data?: Record<string, string> };
  try {
    configMap = await client.requestJson({
      path: `/api/v1/namespaces/${encodeURIComponent(controllerNamespace)}/configmaps/${CA_CONFIGMAP_NAME}`,
      signal,
      description: `get ${where}`,
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound) {
      throw new SourceOverrideError(
        'caMissing',
        `${where} does not exist: is the kluctl-controller (v2.22+) installed in namespace "${controllerNamespace}" with its source-override server enabled? The controller creates this ConfigMap when it starts.`,
      );
    }
    throw error;
  }
  const pem = configMap.data?.[CA_CONFIGMAP_KEY];
  if (!pem) throw new SourceOverrideError('caMissing', `${where} has no "${CA_CONFIGMAP_KEY}"`);
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new SourceOverrideError(
      'caMissing',
      `${where} "${CA_CONFIGMAP_KEY}" is not a PEM certificate: ${(error as Error).message}`,
    );
  }
}

/**
 * Why `leaf` cannot be trusted as the controller's server certificate for `hostname`, or undefined if it can:
 * issued and signed by `ca`, both valid now, `ca` a CA, the leaf valid for TLS servers and for `hostname`.
 * The checks OpenSSL would make for this one-level chain.
 */
export function serverCertificateProblem(
  leaf: X509Certificate,
  ca: X509Certificate,
  hostname: string,
  now = new Date(),
): string | undefined {
  if (!ca.ca) return 'the CA certificate is not a CA';
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey))
    return 'the server certificate is not signed by the controller CA';
  for (const [what, cert] of [
    ['server certificate', leaf],
    ['CA certificate', ca],
  ] as const) {
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo))
      return `the ${what} is not valid now (valid ${cert.validFrom} to ${cert.validTo})`;
  }
  // Node names the extended key usages `keyUsage`; undefined means no restriction.
  if (leaf.keyUsage && !leaf.keyUsage.includes(SERVER_AUTH_EKU))
    return 'the server certificate is not meant for TLS servers';
  if (leaf.checkHost(hostname, { subject: 'never' }) === undefined)
    return `the server certificate is not valid for "${hostname}"`;
  return undefined;
}

/** How the gRPC channel trusts the server: roots for `createSsl`, and whether Node verified the chain itself. */
export interface ServerTrust {
  rootCerts: Buffer;
  /**
   * `ca`: the platform's TLS stack accepted the certificate against the controller CA.
   * `verifiedLeaf`: it did not (OpenSSL takes the controller's leaf for self-signed: it has the CA's subject and no
   * key id of its own), so the leaf was verified here against the CA and is the only root the channel trusts.
   */
  mode: 'ca' | 'verifiedLeaf';
}

/**
 * Opens one TLS connection to the source-override server (no application data), checks its certificate against
 * the controller CA, and returns the roots the gRPC channel must trust. Never trusts anything the CA did not sign.
 */
export async function establishServerTrust(
  endpoint: { host: string; port: number },
  ca: X509Certificate,
  options: { describeEndpoint: string; signal?: AbortSignal; timeoutMs?: number },
): Promise<ServerTrust> {
  const { describeEndpoint } = options;
  const { authorized, leaf } = await probeServerCertificate(
    endpoint,
    ca,
    describeEndpoint,
    options.signal,
    options.timeoutMs ?? PROBE_TIMEOUT_MS,
  );
  if (authorized) return { rootCerts: Buffer.from(ca.toString()), mode: 'ca' };
  const problem = serverCertificateProblem(leaf, ca, SERVER_NAME);
  if (problem) {
    throw new SourceOverrideError(
      'untrustedServer',
      `the source-override server at ${describeEndpoint} is not the kluctl-controller's: ${problem}`,
    );
  }
  return { rootCerts: Buffer.from(leaf.toString()), mode: 'verifiedLeaf' };
}

function probeServerCertificate(
  endpoint: { host: string; port: number },
  ca: X509Certificate,
  describeEndpoint: string,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<{ authorized: boolean; leaf: X509Certificate }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError('source override'));
      return;
    }
    // Verification is done by hand below when the platform's own fails; nothing is sent on this connection.
    const socket = tls.connect({
      host: endpoint.host,
      port: endpoint.port,
      servername: SERVER_NAME,
      ca: ca.toString(),
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
    });
    let settled = false;
    const finish = (error: Error | undefined, value?: { authorized: boolean; leaf: X509Certificate }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(value!);
    };
    const onAbort = (): void => finish(new CancelledError('source override'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        finish(
          new SourceOverrideError(
            'controllerUnreachable',
            `the source-override server at ${describeEndpoint} did not complete a TLS handshake within ${timeoutMs / 1000}s`,
          ),
        ),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const leaf = socket.getPeerX509Certificate();
      if (!leaf)
        finish(
          new SourceOverrideError(
            'untrustedServer',
            `the source-override server at ${describeEndpoint} sent no certificate`,
          ),
        );
      else finish(undefined, { authorized: socket.authorized, leaf });
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(
        new SourceOverrideError(
          'controllerUnreachable',
          `cannot reach the kluctl-controller's source-override server at ${describeEndpoint}: ${error.code === 'ECONNREFUSED' ? 'connection refused (nothing listens on that port)' : error.message}`,
        ),
      ),
    );
    socket.once('close', () =>
      finish(
        new SourceOverrideError(
          'controllerUnreachable',
          `the source-override server at ${describeEndpoint} closed the connection during the TLS handshake`,
        ),
      ),
    );
  });
}
