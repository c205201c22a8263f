import * as assert from 'node:assert/strict';
import { gvkString, refKey, refOf, refString } from '../../../../src/kluctl/objectRef.js';

describe('engine diff: ObjectRef', () => {
  const deployment = refOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } });
  const namespace = refOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });

  it('takes group, version, kind, name and namespace from the object, leaving empty ones out', () => {
    assert.deepEqual(deployment, { group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', namespace: 'prod' });
    assert.deepEqual(namespace, { version: 'v1', kind: 'Namespace', name: 'prod' });
    assert.deepEqual(Object.keys(deployment), ['group', 'version', 'kind', 'name', 'namespace']);
  });

  it('prints like Go', () => {
    assert.equal(refString(deployment), 'prod/Deployment/web');
    assert.equal(refString(namespace), 'Namespace/prod');
    assert.equal(refString({ kind: 'Thing', name: '' }), 'Thing');
    assert.equal(gvkString(deployment), 'apps/v1, Kind=Deployment');
    assert.equal(gvkString({ version: 'v1', kind: 'ConfigMap', name: 'x' }), '/v1, Kind=ConfigMap');
  });

  it('keys ignore the version', () => {
    assert.equal(refKey(deployment), refKey({ ...deployment, version: 'v1beta1' }));
    assert.notEqual(refKey(deployment), refKey({ ...deployment, namespace: 'dev' }));
    assert.notEqual(refKey(namespace), refKey({ ...namespace, group: 'other.io' }));
  });
});
