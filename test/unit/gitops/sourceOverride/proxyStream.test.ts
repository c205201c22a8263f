import * as assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify, X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { establishServerTrust, type ServerTrust } from '../../../../src/gitops/sourceOverride/tlsTrust.js';
import { ProxyStreamClient, type ServedRequest } from '../../../../src/gitops/sourceOverride/proxyStream.js';
import { SourceOverrideError } from '../../../../src/gitops/sourceOverride/errors.js';
import {
  proxyServiceDefinition,
  type ProxyRequest,
  type ProxyResponse,
} from '../../../../src/gitops/sourceOverride/proto.js';
import { makePki, type TestPki } from './certs.js';

interface FakeBehaviour {
  /** Sent as the handshake result; "" accepts. */
  authError?: string;
  /** Fail the stream with this gRPC error after the proof of possession instead of answering. */
  handshakeStatus?: string;
  /** Never answer the first message. */
  silent?: boolean;
  /** Repo keys to request after the handshake, one at a time. */
  requests?: string[];
}

/** The controller's side of Kluctl's ProxyStream, verifying the client's proof of possession as Go does. */
class FakeController {
  readonly responses: ProxyResponse[] = [];
  readonly verifiedServerIds: string[] = [];
  readonly streamEnded: Promise<void>;
  private markEnded!: () => void;

  private constructor(
    readonly server: grpc.Server,
    readonly port: number,
  ) {
    this.streamEnded = new Promise((resolve) => (this.markEnded = resolve));
  }

  static async start(pki: TestPki, behaviour: FakeBehaviour): Promise<FakeController> {
    const server = new grpc.Server();
    let fake: FakeController | undefined;
    server.addService(proxyServiceDefinition(), {
      ProxyStream: (call: grpc.ServerDuplexStream<ProxyResponse, ProxyRequest>) => fake!.handle(call, behaviour),
      ResolveOverride: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.UNIMPLEMENTED }),
    });
    const credentials = grpc.ServerCredentials.createSsl(
      null,
      [{ private_key: Buffer.from(pki.leafKey), cert_chain: Buffer.from(pki.leafPem) }],
      false,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))),
    );
    fake = new FakeController(server, port);
    return fake;
  }

  private handle(call: grpc.ServerDuplexStream<ProxyResponse, ProxyRequest>, behaviour: FakeBehaviour): void {
    const inbox: ProxyResponse[] = [];
    let waiting: ((m: ProxyResponse) => void) | undefined;
    call.on('data', (m: ProxyResponse) => (waiting ? (waiting(m), (waiting = undefined)) : inbox.push(m)));
    call.on('error', () => undefined);
    call.on('close', () => this.markEnded());
    call.on('cancelled', () => this.markEnded());
    const next = (): Promise<ProxyResponse> =>
      inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => (waiting = resolve));
    void (async () => {
      const hello = await next();
      if (behaviour.silent) return;
      const pubKey = hello.auth!.pubKey!;
      const pubKeyHash = createHash('sha256').update(pubKey).digest();
      const challenge = randomBytes(32);
      call.write({ auth: { challenge } });
      const proof = await next();
      const ok = verify(
        'sha256',
        Buffer.concat([pubKeyHash, challenge]),
        createPublicKey({ key: pubKey, format: 'der', type: 'spki' }),
        proof.auth!.pop!,
      );
      if (!ok || behaviour.handshakeStatus) {
        call.emit('error', {
          code: grpc.status.UNKNOWN,
          details: behaviour.handshakeStatus ?? 'proof of possession failed',
        });
        return;
      }
      this.verifiedServerIds.push(pubKeyHash.toString('hex'));
      call.write({ auth: { authError: behaviour.authError ?? '' } });
      if (behaviour.authError) return;
      for (const repoKey of behaviour.requests ?? []) {
        call.write({ auth: { pubKeyHash: pubKeyHash.toString('hex') }, request: { repoKey } });
        this.responses.push(await next());
      }
    })();
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

function tcpSocketsTo(port: number): net.Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is net.Socket => h instanceof net.Socket && !h.destroyed && h.remotePort === port);
}

async function rejection(promise: Promise<unknown>): Promise<SourceOverrideError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SourceOverrideError, String((error as Error).stack));
  return error;
}

describe('source override ProxyStream client', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let fake: FakeController | undefined;
  before(() => {
    pki = makePki({ kluctlLike: true });
  });
  afterEach(() => fake?.stop());

  const trustFor = (port: number): Promise<ServerTrust> =>
    establishServerTrust({ host: '127.0.0.1', port }, new X509Certificate(pki.caPem), {
      describeEndpoint: `127.0.0.1:${port}`,
    });

  const open = async (
    behaviour: FakeBehaviour,
    extra: Partial<Parameters<typeof ProxyStreamClient.open>[0]> = {},
  ): Promise<ProxyStreamClient> => {
    fake = await FakeController.start(pki, behaviour);
    return ProxyStreamClient.open({
      target: `127.0.0.1:${fake.port}`,
      trust: await trustFor(fake.port),
      describeEndpoint: `fake:${fake.port}`,
      resolve: () => Promise.resolve(undefined),
      ...extra,
    });
  };

  it('proves its key, then answers each request: artifact, no override, or error', async () => {
    const served: ServedRequest[] = [];
    const requested: string[] = [];
    const client = await open(
      {
        requests: [
          'git://example.com/ours',
          'git://example.com/other',
          'git://example.com/broken',
          'git://example.com/empty',
        ],
      },
      {
        onRequest: (repoKey) => requested.push(repoKey),
        onServed: (s) => served.push(s),
        resolve: (repoKey) => {
          if (repoKey.endsWith('/ours')) return Promise.resolve(Buffer.from('tgz'));
          if (repoKey.endsWith('/broken')) return Promise.reject(new Error('cannot pack'));
          if (repoKey.endsWith('/empty')) return Promise.resolve(Buffer.alloc(0));
          return Promise.resolve(undefined);
        },
      },
    );
    try {
      assert.deepEqual(
        fake!.verifiedServerIds,
        [client.serverId],
        'the server id is the hex SHA-256 of the proven key',
      );
      await waitFor(() => fake!.responses.length === 4);
      assert.deepEqual(fake!.responses, [
        { response: { artifact: Buffer.from('tgz') } },
        { response: {} },
        { response: { error: 'cannot pack' } },
        { response: {} },
      ]);
      await waitFor(() => served.length === 4);
      assert.deepEqual(requested, [
        'git://example.com/ours',
        'git://example.com/other',
        'git://example.com/broken',
        'git://example.com/empty',
      ]);
      assert.deepEqual(served, [
        { repoKey: 'git://example.com/ours', outcome: 'artifact', bytes: 3 },
        { repoKey: 'git://example.com/other', outcome: 'noOverride' },
        { repoKey: 'git://example.com/broken', outcome: 'error', error: 'cannot pack' },
        { repoKey: 'git://example.com/empty', outcome: 'noOverride' },
      ]);
    } finally {
      client.close();
    }
    assert.equal(await client.closed, undefined);
    await fake!.streamEnded;
    await waitFor(() => tcpSocketsTo(fake!.port).length === 0);
  });

  it('fails with handshakeFailed when the controller refuses (authError) or breaks the handshake', async () => {
    const refused = await rejection(open({ authError: 'not allowed here' }));
    assert.equal(refused.problem, 'handshakeFailed');
    assert.match(
      refused.message,
      /^the source-override handshake with fake:\d+ failed: the controller refused it: not allowed here$/,
    );
    fake!.stop();

    const broken = await rejection(open({ handshakeStatus: 'duplicate server id' }));
    assert.equal(broken.problem, 'handshakeFailed');
    assert.match(broken.message, /failed: duplicate server id \(gRPC UNKNOWN\)$/);
  });

  it('gives up on a server that never completes the handshake', async () => {
    const error = await rejection(open({ silent: true }, { handshakeTimeoutMs: 300 }));
    assert.equal(error.problem, 'handshakeFailed');
    assert.match(error.message, /did not complete the handshake within 0\.3s/);
    await waitFor(() => tcpSocketsTo(fake!.port).length === 0);
  });

  it('reports a connection dropped while the controller fetches an override', async () => {
    const client = await open(
      { requests: ['git://example.com/ours'] },
      {
        // The connection goes while we are still packing; the signal then says the answer is no longer wanted.
        resolve: (_key, signal) => {
          fake!.stop();
          return new Promise((resolve) => signal.addEventListener('abort', () => resolve(Buffer.from('late'))));
        },
      },
    );
    const error = await client.closed;
    assert.ok(error instanceof SourceOverrideError);
    assert.equal(error.problem, 'connectionLost');
    assert.match(
      error.message,
      /^the connection to the kluctl-controller's source-override server at fake:\d+ was lost while the controller was fetching git:\/\/example\.com\/ours: /,
    );
  });

  it('reports a server that is not there', async () => {
    fake = await FakeController.start(pki, {});
    const trust = await trustFor(fake.port);
    const port = fake.port;
    fake.stop();
    const error = await rejection(
      ProxyStreamClient.open({
        target: `127.0.0.1:${port}`,
        trust,
        describeEndpoint: `127.0.0.1:${port}`,
        resolve: () => Promise.resolve(undefined),
      }),
    );
    assert.equal(error.problem, 'controllerUnreachable');
    assert.match(
      error.message,
      new RegExp(
        `cannot reach the kluctl-controller's source-override server at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
  });

  it('closes on abort of its signal', async () => {
    const abort = new AbortController();
    const client = await open({}, { signal: abort.signal });
    abort.abort();
    assert.equal(await client.closed, undefined);
    await waitFor(() => tcpSocketsTo(fake!.port).length === 0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
