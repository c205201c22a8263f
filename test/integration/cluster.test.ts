import * as assert from 'node:assert/strict';
import { getObject, serverSideApply } from '../../src/kube/apply.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeObject } from '../../src/kube/objects.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';
import { apiVersions } from '../../src/engine/render/cluster.js';

describe('real kube-apiserver @integration', function () {
  this.timeout(600_000);

  it('server-side applies with field manager kluctl and records it in managedFields', async () => {
    const cluster = await sharedCluster();
    const client = cluster.client();
    const mapper = new ResourceMapper(client);
    const namespace = uniqueName('ssa');
    await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { fieldManager: 'kluctl' },
    );

    const configMap: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace, labels: { 'kluctl.io/discriminator': 'ssa-test' } },
      data: { greeting: 'hello' },
    };
    await serverSideApply(client, mapper, configMap, { fieldManager: 'kluctl' });

    const read = await getObject(client, mapper, { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace });
    assert.ok(read, 'the ConfigMap exists');
    assert.deepEqual(read.data, { greeting: 'hello' });
    const entries = read.metadata.managedFields ?? [];
    const kluctl = entries.find((e) => e.manager === 'kluctl');
    assert.ok(kluctl, `managedFields has a kluctl entry: ${JSON.stringify(entries)}`);
    assert.equal(kluctl.operation, 'Apply');
    const owned = kluctl.fieldsV1 as Record<string, Record<string, unknown>>;
    assert.ok(owned['f:data']?.['f:greeting'], 'kluctl owns data.greeting');
    assert.ok(
      (owned['f:metadata']?.['f:labels'] as Record<string, unknown>)?.['f:kluctl.io/discriminator'],
      'kluctl owns the label',
    );
  });

  it('reports a field conflict with another manager, and force takes ownership', async () => {
    const cluster = await sharedCluster();
    const client = cluster.client();
    const mapper = new ResourceMapper(client);
    const namespace = uniqueName('conflict');
    await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { fieldManager: 'kluctl' },
    );
    const cm = (value: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace },
      data: { k: value },
    });
    await serverSideApply(client, mapper, cm('a'), { fieldManager: 'someone-else' });

    await assert.rejects(serverSideApply(client, mapper, cm('b'), { fieldManager: 'kluctl' }), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.statusCode, 409);
      assert.match(error.message, /apply ConfigMap .*\/c: 409 Conflict: .*someone-else/);
      return true;
    });
    const forced = await serverSideApply(client, mapper, cm('b'), { fieldManager: 'kluctl', force: true });
    assert.deepEqual(forced.data, { k: 'b' });
  });

  it('dry-run apply validates without persisting', async () => {
    const cluster = await sharedCluster();
    const client = cluster.client();
    const mapper = new ResourceMapper(client);
    const namespace = uniqueName('dryrun');
    await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { fieldManager: 'kluctl' },
    );
    const result = await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ghost', namespace }, data: { a: '1' } },
      { fieldManager: 'kluctl', dryRun: true },
    );
    assert.equal(result.metadata.name, 'ghost');
    assert.equal(
      await getObject(client, mapper, { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', namespace }),
      undefined,
    );
  });

  it('has the KluctlDeployment CRD installed and served', async () => {
    const cluster = await sharedCluster();
    const resource = await new ResourceMapper(cluster.client()).find('gitops.kluctl.io/v1beta1', 'KluctlDeployment');
    assert.equal(resource?.name, 'kluctldeployments');
    assert.equal(resource?.namespaced, true);
  });

  it('aggregated discovery gives the same preferred resources as one request per group-version', async () => {
    const cluster = await sharedCluster();
    const requests: string[] = [];
    const client = cluster.client();
    const send = client.requestJson.bind(client);
    client.requestJson = (o) => {
      requests.push(o.path);
      return send(o);
    };
    const key = (r: { group: string; version: string; kind: string }) => `${r.group}/${r.version}/${r.kind}`;
    const sorted = (list: Array<{ group: string; version: string; kind: string }>) =>
      [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const aggregated = new ResourceMapper(client);
    const viaAggregated = await aggregated.preferredResources();
    assert.deepEqual(requests.sort(), ['/api', '/apis'], 'two requests answer all of discovery');
    const plain = await new ResourceMapper(cluster.client(), false).preferredResources();
    assert.ok(plain.length > 40, `${plain.length} resources`);
    assert.deepEqual(sorted(viaAggregated), sorted(plain));
    // Every served group-version is cached, not only the preferred ones: no request for the objects of a deploy.
    const crd = await aggregated.require('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    assert.equal(crd.name, 'customresourcedefinitions');
    assert.equal(requests.length, 2);
  });

  it("Helm's API versions from aggregated discovery equal those of one request per group-version", async () => {
    const cluster = await sharedCluster();
    const connection = { client: cluster.client(), mapper: new ResourceMapper(cluster.client()), contextName: '' };
    const aggregated = await apiVersions(connection);
    const plain = await apiVersions(connection, undefined, false);
    assert.ok(plain.includes('apps/v1/Deployment') && plain.includes('v1/ConfigMap'), plain.join(' '));
    assert.deepEqual(aggregated, plain);
  });
});
