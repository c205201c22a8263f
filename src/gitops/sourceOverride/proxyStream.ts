import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { SourceOverrideError } from './errors.js';
import {
  createProxyClient,
  type ProxyClient,
  type ProxyRequest,
  type ProxyResponse,
  type ProxyStreamCall,
  type ResolveOverrideResponse,
} from './proto.js';
import { SERVER_NAME, type ServerTrust } from './tlsTrust.js';
import { CancelledError } from '../../util/errors.js';

const CHALLENGE_BYTES = 32;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;

/** What was answered to one `ResolveOverride` request, reported once the answer is handed to the transport. */
export interface ServedRequest {
  /** As the controller sent it, e.g. `git://github.com/org/repo`. */
  repoKey: string;
  outcome: 'artifact' | 'noOverride' | 'error';
  /** Size of the tar.gz sent, for `artifact`. */
  bytes?: number;
  /** The message sent, for `error`. */
  error?: string;
}

export interface ProxyStreamOptions {
  /** `host:port` to dial; the certificate is always checked for `localhost`. */
  target: string;
  trust: ServerTrust;
  /** For messages: where the server is, e.g. "localhost:8082 (local controller)". */
  describeEndpoint: string;
  /**
   * Answers one request: the tar.gz to send, or undefined for "no override" (the controller then clones as
   * usual). A thrown error is sent as the response's `error`, which fails the controller's command.
   */
  resolve: (repoKey: string, signal: AbortSignal) => Promise<Buffer | undefined>;
  onRequest?: (repoKey: string) => void;
  onServed?: (served: ServedRequest) => void;
  signal?: AbortSignal;
  handshakeTimeoutMs?: number;
  /** An ECDSA private key to prove; a fresh P-256 key by default. */
  privateKey?: KeyObject;
}

/**
 * The client side of Kluctl's `Proxy.ProxyStream`: proves possession of an ephemeral ECDSA key, then answers the
 * controller's `ResolveOverride` requests one at a time until closed. The controller finds this stream by
 * `serverId`, the hex SHA-256 of the public key.
 */
export class ProxyStreamClient {
  /** Resolves when the stream has ended: undefined after `close()`, else the reason it broke. Never rejects. */
  readonly closed: Promise<SourceOverrideError | undefined>;
  private resolveClosed!: (error: SourceOverrideError | undefined) => void;
  private readonly inbox: Inbox;
  private readonly abort = new AbortController();
  private state: 'handshake' | 'serving' | 'closed' = 'handshake';
  private currentRequest: string | undefined;

  private constructor(
    readonly serverId: string,
    private readonly client: ProxyClient,
    private readonly call: ProxyStreamCall,
    private readonly options: ProxyStreamOptions,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.inbox = new Inbox(call, (error) => this.terminate(error));
  }

  /** Dials, completes the handshake and starts serving; fails with a SourceOverrideError. */
  static async open(options: ProxyStreamOptions): Promise<ProxyStreamClient> {
    if (options.signal?.aborted) throw new CancelledError('source override');
    const privateKey = options.privateKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const pubKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const pubKeyHash = createHash('sha256').update(pubKey).digest();
    const client = createProxyClient(options.target, grpc.credentials.createSsl(options.trust.rootCerts), {
      'grpc.ssl_target_name_override': SERVER_NAME,
      'grpc.default_authority': SERVER_NAME,
      // A private pool: closing this client then really closes its connection.
      'grpc.use_local_subchannel_pool': 1,
    });
    const stream = new ProxyStreamClient(pubKeyHash.toString('hex'), client, client.ProxyStream(), options);
    const onAbort = (): void => stream.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void stream.closed.then(() => options.signal?.removeEventListener('abort', onAbort));
    try {
      await stream.handshake(pubKey, pubKeyHash, privateKey);
    } catch (error) {
      stream.close();
      if (options.signal?.aborted) throw new CancelledError('source override');
      throw error;
    }
    stream.state = 'serving';
    void stream.serve();
    return stream;
  }

  /** Ends the stream and the connection. Safe to call more than once. */
  close(): void {
    if (this.state === 'closed') return;
    this.terminate(undefined);
  }

  private async handshake(pubKey: Buffer, pubKeyHash: Buffer, privateKey: KeyObject): Promise<void> {
    const timeoutMs = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const next = (): Promise<ProxyRequest> =>
      this.inbox.next(deadline - Date.now(), () => this.timeoutError(timeoutMs));

    this.send({ auth: { pubKey } });
    const challenge = (await next()).auth?.challenge;
    if (!challenge || challenge.length !== CHALLENGE_BYTES)
      throw this.handshakeError('the controller sent no valid challenge');
    this.send({ auth: { pop: sign('sha256', Buffer.concat([pubKeyHash, challenge]), privateKey) } });
    const verdict = (await next()).auth;
    if (!verdict) throw this.handshakeError('the controller sent no handshake result');
    // Kluctl sends authError "" for success; absent is read as success too (spec §5.4).
    if (verdict.authError) throw this.handshakeError(`the controller refused it: ${verdict.authError}`);
  }

  private async serve(): Promise<void> {
    for (;;) {
      let message: ProxyRequest;
      try {
        message = await this.inbox.next();
      } catch {
        return; // terminate() has recorded why
      }
      const repoKey = message.request?.repoKey;
      if (repoKey === undefined) {
        this.terminate(
          new SourceOverrideError(
            'connectionLost',
            `the source-override server at ${this.options.describeEndpoint} sent a message without a request; the stream was closed`,
          ),
        );
        return;
      }
      this.currentRequest = repoKey;
      this.options.onRequest?.(repoKey);
      let response: ResolveOverrideResponse;
      let served: ServedRequest;
      try {
        const artifact = await this.options.resolve(repoKey, this.abort.signal);
        // An empty artifact would make the controller gunzip nothing and fail: "no override" has neither field.
        response = artifact?.length ? { artifact } : {};
        served = artifact?.length
          ? { repoKey, outcome: 'artifact', bytes: artifact.length }
          : { repoKey, outcome: 'noOverride' };
      } catch (error) {
        const text = (error as Error).message;
        response = { error: text };
        served = { repoKey, outcome: 'error', error: text };
      }
      if (this.state !== 'serving') return;
      const written = await new Promise<boolean>((resolve) =>
        this.call.write({ response } satisfies ProxyResponse, (error?: Error | null) => resolve(!error)),
      );
      if (this.state !== 'serving' || !written) return;
      this.currentRequest = undefined;
      this.options.onServed?.(served);
    }
  }

  private send(message: ProxyResponse): void {
    this.call.write(message);
  }

  /** Ends everything once; `error` is undefined for an intended close. */
  private terminate(error: grpc.ServiceError | SourceOverrideError | undefined): void {
    if (this.state === 'closed') return;
    const reason =
      error === undefined || error instanceof SourceOverrideError ? error : this.describeStreamError(error);
    const wasServing = this.state === 'serving';
    this.state = 'closed';
    this.abort.abort();
    this.inbox.fail(reason ?? new CancelledError('source override'));
    this.call.cancel();
    this.client.close();
    // During the handshake the error reaches the caller of open(); `closed` reports only later breaks.
    this.resolveClosed(wasServing ? reason : undefined);
  }

  private describeStreamError(error: grpc.ServiceError): SourceOverrideError {
    const where = `the kluctl-controller's source-override server at ${this.options.describeEndpoint}`;
    const details = error.details || error.message;
    if (this.state === 'handshake') {
      if (error.code === grpc.status.UNAVAILABLE)
        return new SourceOverrideError('controllerUnreachable', `cannot reach ${where}: ${details}`);
      return this.handshakeError(`${details} (gRPC ${grpc.status[error.code] ?? error.code})`);
    }
    const during = this.currentRequest === undefined ? '' : ` while the controller was fetching ${this.currentRequest}`;
    return new SourceOverrideError('connectionLost', `the connection to ${where} was lost${during}: ${details}`);
  }

  private handshakeError(reason: string): SourceOverrideError {
    return new SourceOverrideError(
      'handshakeFailed',
      `the source-override handshake with ${this.options.describeEndpoint} failed: ${reason}`,
    );
  }

  private timeoutError(timeoutMs: number): SourceOverrideError {
    return new SourceOverrideError(
      'handshakeFailed',
      `the source-override server at ${this.options.describeEndpoint} did not complete the handshake within ${timeoutMs / 1000}s`,
    );
  }
}

/** The stream's incoming messages as a queue that can be awaited one at a time. */
class Inbox {
  private readonly queue: ProxyRequest[] = [];
  private waiter: { resolve: (m: ProxyRequest) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(call: ProxyStreamCall, onBroken: (error: grpc.ServiceError | SourceOverrideError) => void) {
    call.on('data', (message: ProxyRequest) => {
      if (this.waiter) {
        const { resolve } = this.waiter;
        this.waiter = undefined;
        resolve(message);
      } else {
        this.queue.push(message);
      }
    });
    call.on('error', (error: grpc.ServiceError) => onBroken(error));
    call.on('end', () =>
      onBroken(new SourceOverrideError('connectionLost', 'the kluctl-controller ended the source-override stream')),
    );
  }

  next(timeoutMs?: number, onTimeout?: () => Error): Promise<ProxyRequest> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => this.fail(onTimeout?.() ?? new Error('timed out')), Math.max(timeoutMs, 0));
      const clear = (): void => clearTimeout(timer);
      this.waiter = {
        resolve: (m) => (clear(), resolve(m)),
        reject: (e) => (clear(), reject(e)),
      };
    });
  }

  fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }
}
