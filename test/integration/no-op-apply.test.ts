import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../src/cli/run.js';
import { captureCli } from '../harness/cli.js';
import { getObject, serverSideApply } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { renderProject } from '../../src/engine/render/render-project.js';
import { fixObjectForPatch } from '../../src/engine/cluster/fixForPatch.js';
import { isProvenNoOpApply } from '../../src/engine/cluster/noOpApply.js';
import { FIELD_MANAGERS } from '../../src/kluctl/fieldManagers.js';
import { tempTree } from '../harness/files.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';
import type { TestCluster } from '../harness/cluster.js';

/**
 * The no-op proof of a dry-run apply (src/engine/cluster/noOpApply.ts) against the answers of the real API server:
 * for every object a deploy left unchanged, the proof holds and the server's dry-run answer is the live object
 * exactly; an object with a changed, an added or a removed field is not proven (and its dry-run answer differs).
 */
function project(): Record<string, string> {
  return {
    '.kluctl.yaml': `discriminator: "noop-{{ args.ns }}"\nargs:\n  - name: ns\n`,
    'deployment.yaml': `deployments:\n  - path: namespace\n  - barrier: true\n  - path: app\n`,
    'namespace/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ args.ns }}\n`,
    'app/kustomization.yaml': `resources:\n  - objects.yaml\n`,
    'app/objects.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: config, namespace: "{{ args.ns }}", annotations: {a: "1"}}',
      'data: {greeting: hello, empty: ""}',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: creds, namespace: "{{ args.ns }}"}',
      'stringData: {password: s3cret}',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: token, namespace: "{{ args.ns }}"}',
      'type: Opaque',
      'data: {token: czNjcmV0}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, namespace: "{{ args.ns }}"}',
      'spec:',
      '  replicas: 2',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: nginx:1.25',
      '          args: ["--port", "80"]',
      '          env: [{name: A, value: "1"}, {name: B, value: "2"}]',
      '          ports: [{containerPort: 80, name: http}]',
      '          resources: {limits: {cpu: 1, memory: 64Mi}}',
      '        - name: side',
      '          image: busybox:1.36',
      '      tolerations: [{key: k, operator: Exists}]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: web, namespace: "{{ args.ns }}"}',
      'spec:',
      '  selector: {app: web}',
      '  ports: [{port: 80, targetPort: http, name: http}, {port: 443, targetPort: 8443, name: https}]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: {name: reader, namespace: "{{ args.ns }}"}',
      'rules: [{apiGroups: [""], resources: [configmaps, secrets], verbs: [get, list]}]',
      '---',
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: deny, namespace: "{{ args.ns }}"}',
      'spec: {podSelector: {}, policyTypes: [Ingress]}',
      '',
    ].join('\n'),
  };
}

describe('no-op dry-run applies, proven locally, against the real API server', function () {
  this.timeout(300_000);
  let cluster: TestCluster;
  before(async () => {
    cluster = await sharedCluster();
  });

  it('an unchanged object is proven and the server answers with the live object; changed ones are not proven', async () => {
    const ns = uniqueName('noop');
    const dir = tempTree('noop-', project());
    const deployed = await captureCli((io) =>
      runCli(['deploy', '--yes', '-a', `ns=${ns}`, '--kubeconfig', cluster.kubeconfig, '--project-dir', dir], io),
    );
    assert.equal(deployed.code, 0, deployed.stderr);

    const client = cluster.client();
    const mapper = new ResourceMapper(client);
    const rendered = await renderProject({ projectDir: dir, args: [`ns=${ns}`], kubeconfig: cluster.kubeconfig });
    // Another manager's field on one object: the proof is about kluctl's own fields.
    await client.requestJson({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/config`,
      query: { fieldManager: 'someone-else' },
      body: { metadata: { labels: { extra: 'x' } } },
      contentType: 'application/merge-patch+json',
    });

    const dryRun = (x: KubeObject) =>
      serverSideApply(client, mapper, x, { fieldManager: FIELD_MANAGERS.deploy, dryRun: true });
    const live = (x: KubeObject) =>
      getObject(client, mapper, {
        apiVersion: x.apiVersion,
        kind: x.kind,
        name: x.metadata.name,
        namespace: x.metadata.namespace,
      });

    const kinds: string[] = [];
    for (const object of rendered.objects) {
      const x = fixObjectForPatch(object);
      const current = (await live(x))!;
      assert.ok(current, `${x.kind} ${x.metadata.name} was deployed`);
      // stringData is write-only (the server keeps data): such a Secret is always sent.
      const proven = isProvenNoOpApply(x, current, FIELD_MANAGERS.deploy);
      assert.equal(proven, !('stringData' in x), `${x.kind} ${x.metadata.name}: proven`);
      if (proven) assert.deepEqual(await dryRun(x), current, `${x.kind} ${x.metadata.name}: the server's answer`);
      kinds.push(x.kind);
    }
    assert.deepEqual(kinds.sort(), [
      'ConfigMap',
      'Deployment',
      'Namespace',
      'NetworkPolicy',
      'Role',
      'Secret',
      'Secret',
      'Service',
    ]);

    // Changed, added and removed fields: not proven, and the server's answer differs from the live object.
    const deployment = fixObjectForPatch(rendered.objects.find((o) => o.kind === 'Deployment')!);
    const service = fixObjectForPatch(rendered.objects.find((o) => o.kind === 'Service')!);
    const configMap = fixObjectForPatch(rendered.objects.find((o) => o.kind === 'ConfigMap')!);
    const variants: [string, KubeObject][] = [
      ['a changed value', edit(deployment, (d) => (spec(d).replicas = 3))],
      [
        'a changed list element',
        edit(
          deployment,
          (d) =>
            (container(d, 0).env = [
              { name: 'A', value: '9' },
              { name: 'B', value: '2' },
            ]),
        ),
      ],
      ['a removed list element', edit(deployment, (d) => (container(d, 0).env = [{ name: 'A', value: '1' }]))],
      ['a removed container', edit(deployment, (d) => (podSpec(d).containers = [container(d, 0)]))],
      ['an added field', edit(configMap, (c) => ((c.data as Record<string, string>).more = 'x'))],
      ['a removed field', edit(configMap, (c) => delete (c.data as Record<string, string>).greeting)],
      ['a removed annotation', edit(configMap, (c) => delete c.metadata.annotations!.a)],
      ['reordered ports', edit(service, (s) => (spec(s).ports as unknown[]).reverse())],
      [
        'a value another manager holds',
        edit(configMap, (c) => (c.metadata.labels = { ...c.metadata.labels, extra: 'y' })),
      ],
    ];
    for (const [what, x] of variants) {
      const current = (await live(x))!;
      assert.equal(isProvenNoOpApply(x, current, FIELD_MANAGERS.deploy), false, `${what}: proven`);
      const answer = await dryRun(x).catch((error: Error) => error);
      assert.notDeepEqual(answer, current, `${what}: the server's answer is the live object`);
    }

    // Through the CLI: a diff with the proof and one sending every apply report the same, byte for byte.
    const objects = path.join(dir, 'app', 'objects.yaml');
    fs.writeFileSync(objects, fs.readFileSync(objects, 'utf8').replace('replicas: 2', 'replicas: 3'));
    const diff = (extra: string[]) =>
      captureCli((io) =>
        runCli(['diff', '-a', `ns=${ns}`, '--kubeconfig', cluster.kubeconfig, '--project-dir', dir, ...extra], io),
      );
    const proven = await diff([]);
    const sent = await diff(['--send-every-apply']);
    assert.equal(proven.code, 0, proven.stderr);
    assert.match(proven.stdout, /spec\.replicas/);
    assert.equal(proven.stdout, sent.stdout);
    assert.equal(sent.code, 0, sent.stderr);
  });
});

function edit(x: KubeObject, change: (o: KubeObject) => unknown): KubeObject {
  const copy = structuredClone(x);
  change(copy);
  return copy;
}
const spec = (o: KubeObject) => o.spec as Record<string, unknown>;
const podSpec = (o: KubeObject) =>
  (spec(o).template as { spec: Record<string, unknown> }).spec as { containers: Record<string, unknown>[] };
const container = (o: KubeObject, i: number) => podSpec(o).containers[i];
