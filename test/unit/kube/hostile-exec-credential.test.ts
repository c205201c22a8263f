import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { KubeClient } from '../../../src/kube/client.js';
import { clearExecCredentialCache } from '../../../src/kube/exec-credential.js';
import { tempTree } from '../../harness/files.js';

/** Running, and not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

function clientWithPlugin(script: string, timeoutMs: number): KubeClient {
  const config = new KubeConfig();
  config.loadFromOptions({
    // Nothing listens there: the plugin runs before any connection is made.
    clusters: [{ name: 'c', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
    users: [
      {
        name: 'u',
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script, interactiveMode: 'Never' },
      },
    ],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return new KubeClient(config, 'ctx', timeoutMs);
}

/** One port-forward connection through client-node's PortForward, as sourceOverride/session.ts opens them. */
async function forward(client: KubeClient): Promise<unknown> {
  const forwarder = new PortForward(client.boundedKubeConfig('the port-forward to the kluctl-controller'), true);
  const io = new PassThrough();
  return forwarder.portForward('kluctl-system', 'controller', [8080], io, new PassThrough(), io);
}

/**
 * The source-override port-forward (client-node's PortForward and WebSocketHandler) gets its credentials from the
 * project's bounded exec-plugin path: a plugin that never answers is stopped with a clear error, a credential
 * without expiry is not fetched again.
 */
describe('hostile kubeconfig: exec credential plugins behind the port-forward', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    clearExecCredentialCache();
    dir = tempTree('hostile-exec-credential-', {});
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a plugin that never answers ends with a timeout error and is killed with its children', async () => {
    const pidFile = path.join(dir, 'plugin.pid');
    const childFile = path.join(dir, 'child.pid');
    const plugin = path.join(dir, 'plugin.sh');
    fs.writeFileSync(plugin, `#!/bin/sh\necho $$ > ${pidFile}\nsleep 100000 &\necho $! > ${childFile}\nwait\n`, {
      mode: 0o755,
    });
    const started = Date.now();
    await assert.rejects(
      forward(clientWithPlugin(plugin, 1_500)),
      (e: Error) =>
        /^the port-forward to the kluctl-controller: the credentials of context "ctx" were not available within 2s \(its exec plugin did not answer and was stopped/.test(
          e.message,
        ) || assert.fail(e.message),
    );
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    const pids = [pidFile, childFile].map((f) => Number(fs.readFileSync(f, 'utf8')));
    const deadline = Date.now() + 5_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pids.filter(alive), [], 'the plugin and its child are gone');
  });

  it('a credential without expiry is fetched once for every connection, and carries the token', async () => {
    const count = path.join(dir, 'runs');
    const plugin = path.join(dir, 'plugin.sh');
    fs.writeFileSync(
      plugin,
      `#!/bin/sh\necho run >> ${count}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"secret-token"}}'\n`,
      { mode: 0o755 },
    );
    const client = clientWithPlugin(plugin, 10_000);
    const seen: Array<Record<string, unknown>> = [];
    const config = client.boundedKubeConfig('the port-forward');
    for (let i = 0; i < 3; i++) {
      const opts: { headers?: Record<string, string> } = {};
      await config.applyToHTTPSOptions(opts);
      seen.push(opts.headers ?? {});
    }
    // And client-node's own connection attempts (refused: nothing listens) take the same cached credential.
    for (let i = 0; i < 2; i++) await assert.rejects(forward(client));
    assert.deepEqual(
      seen.map((h) => h.Authorization),
      Array(3).fill('Bearer secret-token'),
    );
    assert.equal(fs.readFileSync(count, 'utf8'), 'run\n', 'the plugin ran once');
  });
});
