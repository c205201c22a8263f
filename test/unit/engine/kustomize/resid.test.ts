import * as assert from 'node:assert/strict';
import {
  effectiveNamespace,
  isClusterScoped,
  isClusterScopedKind,
  parseApiVersion,
} from '../../../../src/engine/kustomize/resid.js';
import { Resource } from '../../../../src/engine/kustomize/resource.js';

/** The shortcuts name references use on every pair of resources give what the id-based functions give. */
describe('kustomize resource ids: shortcuts equal the id-based functions', () => {
  const apiVersions = ['v1', '/v1', '//v1', 'v1/', 'apps/v1', 'apps/', '', 'a/b/c', 'v1 x'];
  const all = [...apiVersions, 'rbac.authorization.k8s.io/v1', '/rbac.authorization.k8s.io/v1', 'storage.k8s.io/v1'];
  const kinds = ['Namespace', 'ClusterRole', 'StorageClass', 'ConfigMap', '', 'Namespace ', 'v1 Namespace'];
  const namespaces = ['', 'default', 'ns1'];

  it('isClusterScopedKind(apiVersion, kind) and Resource.effectiveNamespace', () => {
    let clusterScoped = 0;
    for (const apiVersion of all)
      for (const kind of kinds) {
        const gvk = { ...parseApiVersion(apiVersion), kind };
        assert.equal(isClusterScopedKind(apiVersion, kind), isClusterScoped(gvk), `${apiVersion} ${kind}`);
        if (isClusterScoped(gvk)) clusterScoped++;
        for (const namespace of namespaces) {
          const r = new Resource({ apiVersion, kind, metadata: { name: 'x', namespace } }, { file: 'f.yaml' });
          assert.equal(r.effectiveNamespace, effectiveNamespace(r.curId()), `${apiVersion} ${kind} ${namespace}`);
        }
      }
    assert.ok(clusterScoped >= 4, 'some of the cases are cluster-scoped');
  });
});
