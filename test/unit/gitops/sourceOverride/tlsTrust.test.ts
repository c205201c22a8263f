import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { establishServerTrust, serverCertificateProblem } from '../../../../src/gitops/sourceOverride/tlsTrust.js';
import { SourceOverrideError } from '../../../../src/gitops/sourceOverride/errors.js';
import { makePki, type TestPki } from './certs.js';
import { isCancelled } from '../../../../src/util/errors.js';

/** A TLS server presenting `pki`'s leaf (test helper). */
async function tlsServer(pki: TestPki): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer({ key: pki.leafKey, cert: pki.leafPem, ALPNProtocols: ['h2'] }, (socket) =>
    socket.end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function connectsWith(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      resolve(socket.authorized);
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
  });
}

async function rejection(promise: Promise<unknown>): Promise<SourceOverrideError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SourceOverrideError, String(error));
  return error;
}

describe('source override TLS trust', function () {
  this.timeout(30_000);
  let kluctlLike: TestPki;
  let ordinary: TestPki;
  let otherKluctlLike: TestPki;
  before(() => {
    kluctlLike = makePki({ kluctlLike: true });
    ordinary = makePki({ kluctlLike: false });
    otherKluctlLike = makePki({ kluctlLike: true });
  });

  it("Node rejects a pair shaped like the controller's (leaf taken for self-signed), so the leaf is verified here and pinned", async () => {
    const server = await tlsServer(kluctlLike);
    try {
      assert.equal(
        await connectsWith(server.port, Buffer.from(kluctlLike.caPem)),
        false,
        'the premise: OpenSSL alone rejects it',
      );
      const trust = await establishServerTrust(
        { host: '127.0.0.1', port: server.port },
        new X509Certificate(kluctlLike.caPem),
        { describeEndpoint: 'test' },
      );
      assert.equal(trust.mode, 'verifiedLeaf');
      assert.equal(
        new X509Certificate(trust.rootCerts).fingerprint256,
        new X509Certificate(kluctlLike.leafPem).fingerprint256,
      );
      assert.equal(
        await connectsWith(server.port, trust.rootCerts),
        true,
        'the pinned leaf verifies with verification on',
      );
    } finally {
      await server.close();
    }
  });

  it('uses the CA itself when the platform verifies the chain', async () => {
    const server = await tlsServer(ordinary);
    try {
      const trust = await establishServerTrust(
        { host: 'localhost', port: server.port },
        new X509Certificate(ordinary.caPem),
        { describeEndpoint: 'test' },
      );
      assert.deepEqual(trust, { rootCerts: Buffer.from(new X509Certificate(ordinary.caPem).toString()), mode: 'ca' });
    } finally {
      await server.close();
    }
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const server = await tlsServer(otherKluctlLike);
    try {
      const error = await rejection(
        establishServerTrust({ host: '127.0.0.1', port: server.port }, new X509Certificate(kluctlLike.caPem), {
          describeEndpoint: 'localhost:1234',
        }),
      );
      assert.equal(error.problem, 'untrustedServer');
      assert.equal(
        error.message,
        "the source-override server at localhost:1234 is not the kluctl-controller's: the server certificate is not signed by the controller CA",
      );
    } finally {
      await server.close();
    }
  });

  it('checks the host name, validity and purpose of the leaf', () => {
    const ca = new X509Certificate(kluctlLike.caPem);
    const leaf = new X509Certificate(kluctlLike.leafPem);
    assert.equal(serverCertificateProblem(leaf, ca, 'localhost'), undefined);
    assert.match(serverCertificateProblem(leaf, ca, 'example.com') ?? '', /not valid for "example.com"/);
    assert.match(
      serverCertificateProblem(leaf, ca, 'localhost', new Date('2100-01-01')) ?? '',
      /the server certificate is not valid now/,
    );
    assert.match(serverCertificateProblem(leaf, leaf, 'localhost') ?? '', /the CA certificate is not a CA/);
    const wrongHost = makePki({ kluctlLike: true, hosts: 'DNS:example.com' });
    assert.match(
      serverCertificateProblem(
        new X509Certificate(wrongHost.leafPem),
        new X509Certificate(wrongHost.caPem),
        'localhost',
      ) ?? '',
      /not valid for "localhost"/,
    );
  });

  it('reports a closed port, a silent server and cancellation', async () => {
    const ca = new X509Certificate(kluctlLike.caPem);
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const refused = await rejection(
      establishServerTrust({ host: '127.0.0.1', port: closed }, ca, { describeEndpoint: `localhost:${closed}` }),
    );
    assert.equal(refused.problem, 'controllerUnreachable');
    assert.match(refused.message, /connection refused/);

    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const timedOut = await rejection(
        establishServerTrust({ host: '127.0.0.1', port }, ca, { describeEndpoint: 'silent', timeoutMs: 200 }),
      );
      assert.equal(
        timedOut.message,
        'the source-override server at silent did not complete a TLS handshake within 0.2s',
      );
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 50);
      // Cancelling is the one CancelledError, not a problem of the override.
      await assert.rejects(
        establishServerTrust({ host: '127.0.0.1', port }, ca, { describeEndpoint: 'silent', signal: abort.signal }),
        (e: unknown) => isCancelled(e) && (e as Error).message === 'source override: cancelled',
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
