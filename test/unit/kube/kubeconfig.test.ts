import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientForContext, kubeconfigPaths, loadKubeConfig } from '../../../src/kube/kubeconfig.js';
import { KubeCredentialsError } from '../../../src/kube/errors.js';
import { isAlive } from '../../harness/processes.js';

function kubeconfig(
  contexts: Array<{ name: string; server: string; user?: Record<string, unknown> }>,
  current: string,
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({
      name: c.name,
      cluster: { server: c.server, 'insecure-skip-tls-verify': c.server.startsWith('http:') },
    })),
    users: contexts.map((c) => ({ name: c.name, user: c.user ?? { token: `token-${c.name}` } })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
    'current-context': current,
  });
}

describe('kubeconfig loading', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-kubeconfig-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every KUBECONFIG entry like kubectl: earlier files win, missing files are skipped', () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.writeFileSync(a, kubeconfig([{ name: 'dev', server: 'https://dev.a' }], 'dev'));
    fs.writeFileSync(
      b,
      kubeconfig(
        [
          { name: 'dev', server: 'https://dev.b' },
          { name: 'prod', server: 'https://prod.b' },
        ],
        'prod',
      ),
    );
    const env = { KUBECONFIG: [a, path.join(dir, 'missing'), b].join(path.delimiter) };
    assert.deepEqual(kubeconfigPaths(undefined, env), [a, path.join(dir, 'missing'), b]);
    const merged = loadKubeConfig(undefined, env);
    assert.deepEqual(
      merged.getContexts().map((c) => c.name),
      ['dev', 'prod'],
    );
    assert.equal(merged.getCluster('dev')?.server, 'https://dev.a');
    assert.equal(merged.getCurrentContext(), 'dev');
  });

  it('an explicit path wins over KUBECONFIG and must exist', () => {
    assert.deepEqual(kubeconfigPaths('/x/config', { KUBECONFIG: '/y' }), ['/x/config']);
    assert.throws(() => loadKubeConfig(path.join(dir, 'nope')), /kubeconfig .*nope does not exist/);
  });

  it('names the file when it cannot be parsed', () => {
    const bad = path.join(dir, 'bad');
    fs.writeFileSync(bad, 'clusters: [ {');
    assert.throws(() => loadKubeConfig(bad), new RegExp(`kubeconfig ${bad} cannot be read`));
  });

  it('a client for another context leaves the loaded kubeconfig (and the file) untouched', () => {
    const file = path.join(dir, 'config');
    const text = kubeconfig(
      [
        { name: 'dev', server: 'https://dev' },
        { name: 'prod', server: 'https://prod' },
      ],
      'dev',
    );
    fs.writeFileSync(file, text);
    const loaded = loadKubeConfig(file);
    const client = clientForContext(loaded, 'prod');
    assert.equal(client.server, 'https://prod');
    assert.equal(loaded.getCurrentContext(), 'dev');
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    assert.throws(() => clientForContext(loaded, 'staging'), /context "staging" does not exist/);
  });
});

describe('credential plugins', () => {
  let dir: string;
  let server: http.Server;
  let seenAuthorization: string | undefined;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-exec-'));
    // A stand-in API endpoint: this test is about the client's authentication step only.
    server = http.createServer((req, res) => {
      seenAuthorization = req.headers.authorization;
      res.setHeader('Content-Type', 'application/json');
      res.end('{"kind":"NamespaceList","items":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function execUser(script: string): string {
    const plugin = path.join(dir, 'plugin.sh');
    fs.writeFileSync(plugin, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    const file = path.join(dir, 'config');
    const port = (server.address() as AddressInfo).port;
    fs.writeFileSync(
      file,
      kubeconfig(
        [
          {
            name: 'c',
            server: `http://127.0.0.1:${port}`,
            user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin } },
          },
        ],
        'c',
      ),
    );
    return file;
  }

  it('tells the plugin it cannot prompt, and uses the token it returns', async () => {
    const file = execUser(
      `echo "$KUBERNETES_EXEC_INFO" > ${dir}/info.json\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'`,
    );
    await clientForContext(loadKubeConfig(file)).requestJson({ path: '/api/v1/namespaces' });
    assert.equal(seenAuthorization, 'Bearer from-plugin');
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'info.json'), 'utf8')) as { spec: { interactive: boolean } };
    assert.equal(info.spec.interactive, false);
  });

  it('fails fast with a clear message when the plugin waits for a login, and ends the plugin', async () => {
    // As kubelogin waiting for a browser callback (stdin is not offered: it is at its end, as with kubectl).
    const file = execUser(`echo $$ > ${dir}/pid
exec sleep 30`);
    const started = Date.now();
    await assert.rejects(
      clientForContext(loadKubeConfig(file), undefined, 1500).requestJson({ path: '/api/v1/namespaces' }),
      (error: unknown) => {
        assert.ok(error instanceof KubeCredentialsError);
        assert.match(error.message, /credentials of context "c" were not available within 2s .*interactive login/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 5000);
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    const deadline = Date.now() + 2000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(isAlive(pid), false, `the plugin (pid ${pid}) was left running`);
  });

  it('reports a failing plugin with its message', async () => {
    const file = execUser('echo "token expired, run: cloud login" >&2; exit 1');
    await assert.rejects(
      clientForContext(loadKubeConfig(file)).requestJson({ path: '/api/v1/namespaces' }),
      /credentials of context "c" could not be obtained: token expired, run: cloud login/,
    );
  });

  /** Running (a zombie left for an init that does not reap, as in some containers, counts as gone). */
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return process.platform !== 'linux';
    }
    return !/^\d+ \(.*\) Z/.test(stat);
  };
  const credential = (extra = '') =>
    `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"${extra}}}'`;

  it('kills the plugin, and what it started, when it does not answer in time or the caller cancels', async () => {
    const file = execUser(`echo $$ > ${dir}/pid\nsleep 60 &\necho $! > ${dir}/child\nwait`);
    await assert.rejects(
      clientForContext(loadKubeConfig(file), undefined, 1000).requestJson({ path: '/api/v1/namespaces' }),
      /did not answer and was stopped/,
    );
    const pids = ['pid', 'child'].map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      pids.map((p) => alive(p)),
      [false, false],
    );

    fs.rmSync(path.join(dir, 'pid'));
    const controller = new AbortController();
    const request = clientForContext(loadKubeConfig(file)).requestJson({
      path: '/api/v1/namespaces',
      signal: controller.signal,
    });
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(path.join(dir, 'pid')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    controller.abort();
    await assert.rejects(request, /cancelled/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(pid), false);
  });

  it('runs one plugin for concurrent requests and keeps a credential without expiry for the process', async () => {
    const file = execUser(`echo run >> ${dir}/runs\nsleep 0.3\n${credential()}`);
    const client = clientForContext(loadKubeConfig(file));
    await Promise.all([1, 2, 3].map(() => client.requestJson({ path: '/api/v1/namespaces' })));
    await clientForContext(loadKubeConfig(file)).requestJson({ path: '/api/v1/namespaces' });
    assert.equal(seenAuthorization, 'Bearer t');
    assert.equal(fs.readFileSync(path.join(dir, 'runs'), 'utf8'), 'run\n');
  });

  it('runs the plugin again once its credential has expired', async () => {
    const file = execUser(`echo run >> ${dir}/runs\n${credential(`,"expirationTimestamp":"2000-01-01T00:00:00Z"`)}`);
    const client = clientForContext(loadKubeConfig(file));
    await client.requestJson({ path: '/api/v1/namespaces' });
    await client.requestJson({ path: '/api/v1/namespaces' });
    assert.equal(fs.readFileSync(path.join(dir, 'runs'), 'utf8'), 'run\nrun\n');
  });
});
