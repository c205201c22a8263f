import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { serverVersion } from '../../../../src/engine/render/cluster.js';
import { connect } from '../../../../src/engine/render/connect.js';

/** A loopback server that accepts connections and never answers: only the client's timeout ends a request. */
describe("engine cluster connection: the editor's request timeout", () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-connect-'));
    kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: silent',
        'clusters: [{name: silent, cluster: {server: "https://127.0.0.1:' +
          port +
          '", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: silent, context: {cluster: silent, user: u}}]',
      ].join('\n'),
    );
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bounds each request by the timeout it is given', async () => {
    const c = connect(kubeconfig, undefined, [], {}, 300);
    assert.ok(c, 'connected');
    assert.equal(c.contextName, 'silent');
    const started = Date.now();
    await assert.rejects(
      serverVersion(c),
      /get server version: no answer from https:\/\/127\.0\.0\.1:\d+ \(timed out\)/,
    );
    const took = Date.now() - started;
    assert.ok(took >= 250, `waited for the timeout (took ${took} ms)`);
    assert.ok(took < 10_000, `ended by the 300 ms timeout, not the 30 s default (took ${took} ms)`);
  });
});
