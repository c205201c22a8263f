import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientForContext, KubeCredentialsError, kubeconfigPaths, loadKubeConfig } from '../../../src/kube/index.js';
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
    const file = execUser(`echo $$ > ${dir}/pid\nread answer`);
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
});
