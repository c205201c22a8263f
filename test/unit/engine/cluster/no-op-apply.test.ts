import * as assert from 'node:assert/strict';
import type { KubeObject } from '../../../../src/kube/objects.js';
import { isProvenNoOpApply } from '../../../../src/engine/cluster/noOpApply.js';

/** The pure rules of the no-op proof; test/integration/no-op-apply.test.ts checks it against the real API server. */
describe('no-op proof of a dry-run apply (rules)', () => {
  const applied: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'n', labels: { a: '1' } },
    spec: { ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'x' } },
  };
  const fieldsV1 = {
    'f:metadata': { 'f:labels': { 'f:a': {} } },
    'f:spec': {
      'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } },
      'f:selector': { 'f:app': {} },
    },
  };
  const live = (patch: Partial<KubeObject['metadata']> = {}, fields: object = fieldsV1): KubeObject => ({
    ...structuredClone(applied),
    metadata: {
      ...structuredClone(applied.metadata),
      uid: 'u',
      resourceVersion: '7',
      managedFields: [
        {
          manager: 'kluctl',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: fields as Record<string, unknown>,
        },
      ],
      ...patch,
    },
    spec: { ...structuredClone(applied.spec as object), clusterIP: '10.0.0.1', type: 'ClusterIP' },
  });

  it('holds when the live object has every applied value and the manager owns exactly those fields', () => {
    assert.equal(isProvenNoOpApply(applied, live(), 'kluctl'), true);
  });

  it('does not hold for another manager, a second entry, an Update entry, another apiVersion or a deleted object', () => {
    assert.equal(isProvenNoOpApply(applied, live(), 'other'), false);
    const two = live();
    two.metadata.managedFields!.push({ ...two.metadata.managedFields![0], operation: 'Update' });
    assert.equal(isProvenNoOpApply(applied, two, 'kluctl'), false);
    const update = live();
    update.metadata.managedFields![0].operation = 'Update';
    assert.equal(isProvenNoOpApply(applied, update, 'kluctl'), false);
    assert.equal(isProvenNoOpApply({ ...applied, apiVersion: 'v2' }, live(), 'kluctl'), false);
    assert.equal(isProvenNoOpApply(applied, live({ deletionTimestamp: 'now' }), 'kluctl'), false);
    assert.equal(isProvenNoOpApply(applied, undefined, 'kluctl'), false);
  });

  it('does not hold when a field would be released, taken, changed or unset', () => {
    const owned = structuredClone(fieldsV1) as Record<string, Record<string, unknown>>;
    owned['f:spec']['f:type'] = {};
    assert.equal(isProvenNoOpApply(applied, live({}, owned), 'kluctl'), false, 'released');
    const more = structuredClone(applied);
    more.metadata.labels = { a: '1', b: '2' };
    assert.equal(isProvenNoOpApply(more, live(), 'kluctl'), false, 'taken');
    const changed = structuredClone(applied);
    (changed.spec as { selector: object }).selector = { app: 'y' };
    assert.equal(isProvenNoOpApply(changed, live(), 'kluctl'), false, 'changed');
    const unset = structuredClone(applied);
    (unset.spec as { selector: unknown }).selector = null;
    assert.equal(isProvenNoOpApply(unset, live(), 'kluctl'), false, 'null');
  });

  it('pairs list elements by their keys and order, and compares atomic maps as a whole', () => {
    const two = structuredClone(applied);
    (two.spec as { ports: object[] }).ports.push({ port: 81, protocol: 'TCP' });
    assert.equal(isProvenNoOpApply(two, live(), 'kluctl'), false, 'an element more');
    const atomic = structuredClone(fieldsV1) as Record<string, Record<string, unknown>>;
    atomic['f:spec']['f:selector'] = {};
    assert.equal(isProvenNoOpApply(applied, live({}, atomic), 'kluctl'), true, 'atomic map, equal');
    const otherSelector = structuredClone(applied);
    (otherSelector.spec as { selector: object }).selector = { app: 'x', b: '1' };
    assert.equal(isProvenNoOpApply(otherSelector, live({}, atomic), 'kluctl'), false, 'atomic map, changed');
    const wrongKey = structuredClone(fieldsV1) as Record<string, Record<string, unknown>>;
    wrongKey['f:spec']['f:ports'] = { 'k:{"port":81,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } };
    assert.equal(isProvenNoOpApply(applied, live({}, wrongKey), 'kluctl'), false, 'another key');
  });
});
