import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { PortForward } from '@kubernetes/client-node';
import type { KubeClient } from '../../kube/client.js';
import { repoKeyString, type RepoKey } from '../../kluctl/repoKey.js';
import type { SourceOverride } from '../../kluctl/types.js';
import { buildArtifact } from './artifact.js';
import { findControllerPod } from './controllerPod.js';
import { SourceOverrideError } from './errors.js';
import { listenPortForward, type PodPortForwarder, type PortForwardListener } from './portForward.js';
import { ProxyStreamClient, type ServedRequest } from './proxyStream.js';
import { buildProxyUrl } from './proxyUrl.js';
import { requestMatchesRepo } from './repoKeyMatch.js';
import { establishServerTrust, loadControllerCa } from './tlsTrust.js';

export const DEFAULT_CONTROLLER_NAMESPACE = 'kluctl-system';

export interface StartSourceOverrideOptions {
  client: KubeClient;
  /** The controller's namespace (`--controller-namespace`); `kluctl-system` by default. */
  controllerNamespace?: string;
  /**
   * For a controller running as a local process: the port of its `--source-override-bind-address` on this host.
   * Without it, a controller pod is port-forwarded to.
   */
  localPort?: number;
  /** The working tree to upload: the Git root, uncommitted changes included, ignored files left out. */
  gitRoot: string;
  /** The repository that tree is a checkout of; only requests for it are answered with an upload. */
  repoKey: RepoKey;
  /** Aborting it closes the session. */
  signal?: AbortSignal;
  /** Each upload, after it was handed to the connection. */
  onUpload?: (upload: SourceOverrideUpload) => void;
  /** A request for our repository that could not be answered with the tree (sent to the controller as its error). */
  onUploadFailed?: (failure: { repoKey: string; error: string }) => void;
  /** Each request of the controller, before it is answered (also for repositories we do not override). */
  onRequest?: (repoKey: string) => void;
  /** Replaces client-node's PortForward (tests). */
  portForwarder?: PodPortForwarder;
  handshakeTimeoutMs?: number;
}

export interface SourceOverrideUpload {
  /** The repo key the controller asked for. */
  repoKey: string;
  /** Size of the tar.gz. */
  bytes: number;
  /** Hex SHA-256 of the tar.gz: the same tree always packs to the same bytes. */
  sha256: string;
  files: number;
  time: Date;
}

export interface SourceOverrideSession {
  /** The `spec.sourceOverrides` entry for a request's overridesPatch (merge it with `mergeSourceOverrides`). */
  readonly sourceOverride: SourceOverride;
  /** Every upload so far. */
  readonly uploads: readonly SourceOverrideUpload[];
  /** Where the stream is connected, for display. */
  readonly endpoint: string;
  /**
   * `ca`: TLS verified the controller against its CA. `verifiedLeaf`: the platform's TLS stack rejected the
   * controller's certificate pair, so the certificate was verified against the CA here and pinned.
   */
  readonly trust: 'ca' | 'verifiedLeaf';
  /** Resolves when the session has ended: undefined after `close()`, else why the connection broke. */
  readonly closed: Promise<SourceOverrideError | undefined>;
  /** Ends the stream, the port-forward and every connection. */
  close(): Promise<void>;
}

interface Endpoint {
  dialHost: string;
  dialPort: number;
  /** What the controller dials: the pod's IP and port, or localhost. */
  urlHost: string;
  urlPort: number;
  description: string;
  listener?: PortForwardListener;
}

/**
 * Connects to the kluctl-controller's source-override server and serves `gitRoot` for `repoKey` until closed.
 * Put `session.sourceOverride` into a manual request's `overridesPatch.spec.sourceOverrides` and keep the
 * session open until the request has finished. Nothing is uploaded for any other repository.
 */
export async function startSourceOverride(options: StartSourceOverrideOptions): Promise<SourceOverrideSession> {
  const namespace = options.controllerNamespace || DEFAULT_CONTROLLER_NAMESPACE;
  if (!(await fs.stat(options.gitRoot).catch(() => undefined))?.isDirectory()) {
    throw new SourceOverrideError(
      'artifactFailed',
      `${options.gitRoot} is not a directory; there is nothing to upload`,
    );
  }
  const ca = await loadControllerCa(options.client, namespace, options.signal);
  const endpoint = await reachController(options, namespace);
  try {
    const trust = await withForwardError(endpoint, () =>
      establishServerTrust({ host: endpoint.dialHost, port: endpoint.dialPort }, ca, {
        describeEndpoint: endpoint.description,
        signal: options.signal,
      }),
    );
    const uploads: SourceOverrideUpload[] = [];
    const packed = new Map<string, { files: number; sha256: string }>();
    const stream = await withForwardError(endpoint, () =>
      ProxyStreamClient.open({
        target: `${endpoint.dialHost}:${endpoint.dialPort}`,
        trust,
        describeEndpoint: endpoint.description,
        signal: options.signal,
        handshakeTimeoutMs: options.handshakeTimeoutMs,
        onRequest: options.onRequest,
        resolve: async (requested, signal) => {
          if (!requestMatchesRepo(requested, options.repoKey)) return undefined;
          const artifact = await buildArtifact(options.gitRoot, { signal });
          packed.set(requested, {
            files: artifact.files,
            sha256: createHash('sha256').update(artifact.data).digest('hex'),
          });
          return artifact.data;
        },
        onServed: (served: ServedRequest) => {
          if (served.outcome === 'error') options.onUploadFailed?.({ repoKey: served.repoKey, error: served.error! });
          if (served.outcome !== 'artifact') return;
          const { files, sha256 } = packed.get(served.repoKey)!;
          const upload = { repoKey: served.repoKey, bytes: served.bytes!, sha256, files, time: new Date() };
          uploads.push(upload);
          options.onUpload?.(upload);
        },
      }),
    );
    // The port-forward outlives no stream.
    const closed = stream.closed.then(async (error) => {
      await endpoint.listener?.close();
      return error;
    });
    return {
      sourceOverride: {
        repoKey: repoKeyString(options.repoKey),
        url: buildProxyUrl(endpoint.urlHost, endpoint.urlPort, stream.serverId),
      },
      uploads,
      endpoint: endpoint.description,
      trust: trust.mode,
      closed,
      close: async () => {
        stream.close();
        await closed;
      },
    };
  } catch (error) {
    await endpoint.listener?.close();
    throw error;
  }
}

async function reachController(options: StartSourceOverrideOptions, namespace: string): Promise<Endpoint> {
  if (options.localPort !== undefined) {
    if (!Number.isInteger(options.localPort) || options.localPort < 1 || options.localPort > 65535) {
      throw new SourceOverrideError(
        'controllerUnreachable',
        `${options.localPort} is not a valid source-override port`,
      );
    }
    const port = options.localPort;
    return {
      dialHost: 'localhost',
      dialPort: port,
      urlHost: 'localhost',
      urlPort: port,
      description: `localhost:${port} (local kluctl-controller)`,
    };
  }
  const pod = await findControllerPod(options.client, namespace, options.signal);
  // Credentials through the client's bounded exec-plugin path (src/kube/exec-credential.ts), not client-node's.
  const forwarder =
    options.portForwarder ??
    new PortForward(
      options.client.boundedKubeConfig('the port-forward to the kluctl-controller', options.signal),
      true,
    );
  const listener = await listenPortForward(forwarder, pod);
  return {
    dialHost: '127.0.0.1',
    dialPort: listener.port,
    urlHost: pod.podIP,
    urlPort: pod.port,
    description: `pod ${pod.namespace}/${pod.name} port ${pod.port} (port-forward from 127.0.0.1:${listener.port})`,
    listener,
  };
}

/** A copy of the kubeconfig whose current context is the client's, as client-node's port-forward uses that one. */

/** A connection failure through a port-forward is best explained by the port-forward's own error. */
async function withForwardError<T>(endpoint: Endpoint, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const forwardError = endpoint.listener?.lastError();
    if (error instanceof SourceOverrideError && forwardError) {
      throw new SourceOverrideError(
        error.problem === 'untrustedServer' ? error.problem : 'controllerUnreachable',
        `${error.message} (${forwardError})`,
      );
    }
    throw error;
  }
}
