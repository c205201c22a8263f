import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { workerEngine } from '../../src/engine/worker/client.js';
import { type EngineRunner } from '../../src/engine/worker/request.js';
import type { CommandResult } from '../../src/kluctl/resultTypes.js';
import { getObject } from '../../src/kube/apply.js';
import { isCancelled } from '../../src/util/errors.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeClient } from '../../src/kube/client.js';
import type { TestCluster } from '../harness/cluster.js';
import { buildEngineWorker } from '../harness/engine-projects.js';
import { tempTree } from '../harness/files.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';

/** Namespace and ConfigMap "first"; a Pod that never gets ready (no kubelet) and is waited for; ConfigMap "last". */
function project(): Record<string, string> {
  const cm = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: {{ args.ns }}\ndata:\n  a: b\n`;
  return {
    '.kluctl.yaml': 'discriminator: "worker-{{ args.ns }}"\nargs:\n  - name: ns\n',
    'deployment.yaml':
      'deployments:\n  - path: ns\n  - barrier: true\n  - path: first\n  - barrier: true\n  - path: slow\n    waitReadiness: true\n  - barrier: true\n  - path: last\n',
    'ns/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ args.ns }}\n',
    'first/cm.yaml': cm('first'),
    'slow/pod.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: slow\n  namespace: {{ args.ns }}\nspec:\n  containers:\n    - name: c\n      image: registry.invalid/never:1\n`,
    'last/cm.yaml': cm('last'),
  };
}

/**
 * deploy in the engine's worker thread against the real kube-apiserver: the confirm question crosses to this thread
 * and back, and a cancelled deploy stops at once and reports what it had applied.
 */
describe('engine worker: deploy against a real cluster @integration', function () {
  this.timeout(300_000);
  let cluster: TestCluster;
  let client: KubeClient;
  let mapper: ResourceMapper;
  let engine: EngineRunner;
  let dir: string;
  let projectDir: string;

  before(async function () {
    this.timeout(600_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-worker-cluster-'));
    engine = workerEngine({ workerFile: await buildEngineWorker(path.join(dir, 'engine-worker.cjs')) });
    cluster = await sharedCluster();
    client = cluster.client();
    mapper = new ResourceMapper(client);
    projectDir = tempTree('kluctl-worker-project-', project());
  });
  after(() => {
    for (const d of [dir, projectDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const configMap = (namespace: string, name: string) =>
    getObject(client, mapper, { apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
  const options = (ns: string) => ({
    projectDir,
    args: [`ns=${ns}`],
    kubeconfig: cluster.kubeconfig,
    writeResult: false as const,
  });

  it('a "no" to the confirm question (asked in this thread) applies nothing', async () => {
    const ns = uniqueName('worker-no');
    let preview: CommandResult | undefined;
    const result = await engine.run(
      { command: 'deploy', options: options(ns) },
      {
        confirm: (p) => {
          preview = p;
          return Promise.resolve(false);
        },
      },
    );
    // The dry-run preview (objects in the namespace it would create cannot be dry-run applied yet).
    assert.ok(
      preview?.objects?.some((o) => o.new && o.ref.kind === 'Namespace' && o.ref.name === ns),
      JSON.stringify(preview?.objects?.map((o) => o.ref)),
    );
    assert.deepEqual(
      result.errors?.map((e) => e.message),
      ['aborted'],
    );
    assert.equal(await configMap(ns, 'first'), undefined);
  });

  it('a deploy cancelled while it waits stops within a second and reports what it applied', async () => {
    const ns = uniqueName('worker-cancel');
    const controller = new AbortController();
    const lines: string[] = [];
    let abortedAt = 0;
    const error = await engine
      .run(
        { command: 'deploy', options: options(ns) },
        {
          signal: controller.signal,
          confirm: () => Promise.resolve(true),
          progress: (line) => {
            lines.push(line);
            if (/Waiting for .*Pod\/slow to get ready/.test(line) && !abortedAt) {
              abortedAt = Date.now();
              controller.abort();
            }
          },
        },
      )
      .then(
        () => assert.fail(`the deploy should be cancelled; progress: ${lines.join(' | ')}`),
        (e: unknown) => e,
      );
    const stopMs = Date.now() - abortedAt;
    assert.ok(abortedAt, `the deploy waited for the Pod; progress: ${lines.join(' | ')}`);
    assert.ok(isCancelled(error), `cancelled, not failed: ${String(error)}`);
    assert.ok(stopMs < 1000, `stopped ${stopMs} ms after cancel`);
    const partial = error.partial as CommandResult | undefined;
    assert.ok(partial?.objects, 'the cancelled deploy says what it did');
    const applied = partial.objects
      .filter((o) => o.new)
      .map((o) => `${o.ref.kind}/${o.ref.name}`)
      .sort();
    assert.deepEqual(applied, ['ConfigMap/first', `Namespace/${ns}`, 'Pod/slow']);
    assert.ok(await configMap(ns, 'first'), 'first was applied');
    assert.equal(await configMap(ns, 'last'), undefined, 'nothing after the cancel was applied');
  });
});
