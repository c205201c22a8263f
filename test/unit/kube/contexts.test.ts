import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeContexts } from '../../../src/kube/contexts.js';

describe('KubeContexts', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-contexts-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, servers: Record<string, string>, current: string): void =>
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: Object.entries(servers).map(([name, server]) => ({ name, cluster: { server } })),
        users: Object.keys(servers).map((name) => ({ name, user: { token: 't' } })),
        contexts: Object.keys(servers).map((name) => ({ name, context: { cluster: name, user: name } })),
        'current-context': current,
      }),
    );

  it('says where it looked when there is no kubeconfig', () => {
    const contexts = new KubeContexts({ env: { KUBECONFIG: path.join(dir, 'none') } });
    assert.deepEqual(contexts.snapshot(), {
      contexts: [],
      problem: `no kubeconfig found (looked for ${path.join(dir, 'none')})`,
    });
    assert.throws(() => contexts.client(), /no kubeconfig found/);
  });

  it('creates one client per context on first use and drops them when the kubeconfig changes', () => {
    const file = path.join(dir, 'config');
    write(file, { dev: 'https://dev', prod: 'https://prod' }, 'dev');
    const contexts = new KubeContexts({ kubeconfigPath: () => file });
    assert.deepEqual(contexts.snapshot(), { contexts: ['dev', 'prod'], current: 'dev' });
    const prod = contexts.client('prod');
    assert.equal(contexts.client('prod'), prod, 'cached');
    assert.equal(contexts.client().contextName, 'dev', 'current context by default');

    write(file, { prod: 'https://prod-2' }, 'prod');
    contexts.invalidate();
    assert.equal(contexts.client('prod').server, 'https://prod-2');
    assert.deepEqual(contexts.snapshot().contexts, ['prod']);
  });
});
