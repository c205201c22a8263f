import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitRepoCache } from '../../src/engine/git/repo-cache.js';
import type { VarsSource } from '../../src/engine/project/types.js';
import type { JsonObject } from '../../src/kluctl/uo/merge.js';
import { loadVarsList, type VarsLoaderContext } from '../../src/engine/vars/vars-loader.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { serverSideApply } from '../../src/kube/apply.js';
import { type KubeObject } from '../../src/kube/objects.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';

/**
 * Cluster vars as v2.28 has them, beyond what the v2.22.1 oracle can check (engine-vars-conformance covers the
 * common part): `clusterObject` (new in v2.23), the common `targetPath`, and `ignoreMissing` for a missing key.
 */
describe('engine vars: clusterObject and v2.28 cluster vars @integration', function () {
  this.timeout(300_000);
  let tmp: string;
  let ns: string;
  let ctx: VarsLoaderContext;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vars-cluster-'));
    const cluster = await sharedCluster();
    const client = cluster.client();
    const mapper = new ResourceMapper(client);
    ctx = { client, mapper, gitCache: new GitRepoCache(path.join(tmp, 'cache')), env: {} };
    ns = uniqueName('vars-cluster-object');
    const apply = (o: KubeObject) => serverSideApply(client, mapper, o, { fieldManager: 'test' });
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const cm = (name: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, labels },
      data,
    });
    await apply(cm('obj-a', { yaml: 'x: 1\nz: "{{ greeting }}"\n', plain: 'hello {{ greeting }}' }, { group: 'g1' }));
    await apply(cm('obj-b', { yaml: 'x: 2\n', plain: 'b' }, { group: 'g1' }));
    await apply(cm('defaults', { vars: 'a: from-cluster\n' }));
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
      },
    });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const load = (sources: VarsSource[], vars: JsonObject = { greeting: 'hi' }) =>
    loadVarsList(ctx, vars, sources, [], path.join(tmp, 'deployment.yaml'));
  const obj = (o: Partial<NonNullable<VarsSource['clusterObject']>>) =>
    ({ kind: 'ConfigMap', namespace: ns, path: 'data.plain', ...o }) as NonNullable<VarsSource['clusterObject']>;

  it('reads a JSONPath of one object, found by name or by labels, with or without apiVersion', async () => {
    assert.deepEqual(await load([{ clusterObject: obj({ name: 'obj-b' }), targetPath: 'v' }]), {
      greeting: 'hi',
      v: 'b',
    });
    const deployment = { kind: 'Deployment', namespace: ns, labels: { app: 'web' } };
    assert.deepEqual(
      (await load([{ clusterObject: { ...deployment, path: '$.spec.replicas' }, targetPath: 'r' }])).r,
      3,
    );
    const container = { ...deployment, apiVersion: 'apps/v1', path: 'spec.template.spec.containers[0]' };
    const c = (await load([{ clusterObject: container, targetPath: 'c' }])).c as JsonObject;
    assert.deepEqual([c.name, c.image], ['c', 'nginx:1.27']);
    // Without targetPath the value must be a map: the container map is merged at top level.
    assert.equal((await load([{ clusterObject: container }])).image, 'nginx:1.27');
  });

  it('render and parseYaml use the current vars; list collects all matching objects, sorted', async () => {
    assert.equal(
      (await load([{ clusterObject: obj({ name: 'obj-a', render: true }), targetPath: 'v' }])).v,
      'hello hi',
    );
    assert.deepEqual(
      await load([{ clusterObject: obj({ name: 'obj-a', path: 'data.yaml', render: true, parseYaml: true }) }]),
      { greeting: 'hi', x: 1, z: 'hi' },
    );
    const list = await load([
      {
        clusterObject: obj({ labels: { group: 'g1' }, path: 'data.yaml', parseYaml: true, list: true }),
        targetPath: 'all',
      },
    ]);
    assert.deepEqual(list.all, [{ x: 1, z: '{{ greeting }}' }, { x: 2 }]);
  });

  it('missing objects and paths: ignoreMissing gives {}, otherwise an error naming the source', async () => {
    assert.deepEqual(
      (await load([{ clusterObject: obj({ name: 'nope' }), ignoreMissing: true, targetPath: 'v' }])).v,
      {},
    );
    assert.deepEqual(
      (await load([{ clusterObject: obj({ name: 'obj-a', path: 'data.none' }), ignoreMissing: true, targetPath: 'v' }]))
        .v,
      {},
    );
    await assert.rejects(
      load([{ clusterObject: obj({ name: 'nope' }) }]),
      new RegExp(
        `deployment\\.yaml: vars source clusterObject ConfigMap ${ns}/nope path data\\.plain: no ConfigMap object found`,
      ),
    );
    await assert.rejects(
      load([{ clusterObject: obj({ name: 'obj-a', path: 'data.none' }) }]),
      /json path data\.none: json path not found/,
    );
    await assert.rejects(
      load([{ clusterObject: obj({ labels: { group: 'g1' } }) }]),
      /found more than one ConfigMap object/,
    );
    await assert.rejects(
      load([{ clusterObject: obj({ name: 'obj-a', path: 'metadata.labels', parseYaml: true }) }]),
      /value is not a string, but parsing YAML was requested/,
    );
    await assert.rejects(
      load([{ clusterObject: { kind: 'NoSuchKind', namespace: ns, name: 'x', path: '$' } }]),
      /no matching resource found for kind NoSuchKind/,
    );
  });

  it('v2.28 clusterConfigMap: common targetPath, multidoc, and ignoreMissing for a missing key keeps earlier values', async () => {
    const cmRef = { name: 'defaults', namespace: ns, key: 'vars' };
    assert.deepEqual((await load([{ clusterConfigMap: cmRef, targetPath: 'deep.path' }])).deep, {
      path: { a: 'from-cluster' },
    });
    assert.deepEqual((await load([{ clusterConfigMap: cmRef, targetPath: 'docs', multidoc: true }])).docs, [
      { a: 'from-cluster' },
    ]);
    const defaults: VarsSource = { values: { deep: { path: 'default' } } };
    const missingKey = await load([
      defaults,
      { clusterConfigMap: { ...cmRef, key: 'nope' }, ignoreMissing: true, targetPath: 'deep.path' },
    ]);
    assert.deepEqual(missingKey.deep, { path: 'default' });
    const missingObject = await load([
      defaults,
      { clusterConfigMap: { ...cmRef, name: 'nope' }, ignoreMissing: true, targetPath: 'deep.path' },
    ]);
    assert.deepEqual(missingObject.deep, { path: 'default' });
    await assert.rejects(
      load([{ clusterConfigMap: { ...cmRef, key: 'nope' } }]),
      new RegExp(`key nope not found in ConfigMap ${ns}/defaults on cluster`),
    );
    await assert.rejects(
      load([{ clusterConfigMap: { namespace: ns, key: 'vars' } }]),
      /either name or labels must be set/,
    );
  });

  it('without a cluster: a clear error', async () => {
    const offline = { gitCache: ctx.gitCache, env: {} };
    await assert.rejects(
      loadVarsList(
        offline,
        {},
        [{ clusterSecret: { name: 'x', namespace: ns, key: 'k' } }],
        [],
        path.join(tmp, 'deployment.yaml'),
      ),
      /vars source clusterSecret \S+ key k: loading vars from cluster is disabled/,
    );
  });
});
