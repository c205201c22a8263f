import * as assert from 'node:assert/strict';
import {
  effectiveNamespace,
  isClusterScoped,
  isClusterScopedKind,
  parseApiVersion,
} from '../../../../src/engine/kustomize/resid.js';
import { Resource, type Obj } from '../../../../src/engine/kustomize/resource.js';
import { appendResource, checkUniqueIds } from '../../../../src/engine/kustomize/resource-list.js';
import type { Selector } from '../../../../src/engine/kustomize/kustomization.js';
import { selectResources } from '../../../../src/engine/kustomize/patches/apply.js';

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

describe('kustomize patch targets: selectResources reads id parts as the ids would give them', () => {
  /** kustomize's Select over whole ids, as selectResources did it before reading the parts one by one. */
  function byIds(resources: Resource[], s: Selector): Resource[] {
    const re = (p?: string) => (p ? new RegExp(`^(?:${p})$`) : undefined);
    const [group, version, kind, name, namespace] = [
      re(s.group),
      re(s.version),
      re(s.kind),
      re(s.name),
      re(s.namespace),
    ];
    return resources.filter((r) => {
      const cur = r.curId();
      const org = r.orgId();
      if (namespace && !namespace.test(effectiveNamespace(org)) && !namespace.test(effectiveNamespace(cur)))
        return false;
      if (name && !name.test(org.name) && !name.test(cur.name)) return false;
      return !(
        (group && !group.test(cur.group)) ||
        (version && !version.test(cur.version)) ||
        (kind && !kind.test(cur.kind))
      );
    });
  }

  it('on resources with and without previous ids, namespaced and cluster-scoped, for many selectors', () => {
    const resources: Resource[] = [];
    for (const apiVersion of ['v1', 'apps/v1', 'rbac.authorization.k8s.io/v1', '/v1'])
      for (const kind of ['ConfigMap', 'Namespace', 'ClusterRole', 'Deployment'])
        for (const namespace of ['', 'ns1'])
          for (const renamed of [false, true]) {
            const r = new Resource({ apiVersion, kind, metadata: { name: 'a', namespace } }, { file: 'f.yaml' });
            if (renamed) {
              r.storePreviousId();
              r.name = 'p-a';
              r.namespace = 'ns2';
              if (kind === 'Namespace') r.kind = 'ConfigMap';
              // Ids keep the current group and version: a Namespace of apps/v1 becomes cluster-scoped in v1.
              if (apiVersion === 'apps/v1') r.obj.apiVersion = 'v1';
            }
            resources.push(r);
          }
    const selectors: Selector[] = [{}];
    for (const name of ['a', 'p-a', 'p-.*', 'b'])
      for (const namespace of [undefined, 'default', 'ns1', 'ns2', '_non_namespaceable_', 'ns.*'])
        for (const gvk of [
          {},
          { kind: 'ConfigMap' },
          { group: 'apps' },
          { version: 'v1' },
          { group: '', kind: 'Namespace' },
        ])
          selectors.push({ name, namespace, ...gvk });
    let matched = 0;
    for (const s of selectors) {
      const got = selectResources(resources, s);
      assert.deepEqual(got, byIds(resources, s), JSON.stringify(s));
      matched += got.length;
    }
    assert.ok(matched > 100, `${matched} matches`);
  });
});

describe('kustomize resource lists: checkUniqueIds finds what appendResource one by one finds', () => {
  it('the same first duplicate (or none) on lists of resources whose ids differ in one part or only in spelling', () => {
    const variants: Obj[] = [];
    for (const apiVersion of ['v1', '/v1', 'apps/v1'])
      for (const kind of ['ConfigMap', 'Namespace'])
        for (const namespace of [undefined, '', 'default', 'ns1'])
          for (const name of ['a', 'b']) variants.push({ apiVersion, kind, metadata: { name, namespace } });
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let duplicates = 0;
    for (let round = 0; round < 300; round++) {
      const list = Array.from(
        { length: 2 + Math.floor(rnd() * 6) },
        (_, i) => new Resource(structuredClone(variants[Math.floor(rnd() * variants.length)]), { file: `f${i}.yaml` }),
      );
      const oneByOne = (): string => {
        try {
          const kept: Resource[] = [];
          for (const r of list) appendResource(kept, r);
          return 'ok';
        } catch (e) {
          return (e as Error).message;
        }
      };
      const atOnce = (): string => {
        try {
          checkUniqueIds(list);
          return 'ok';
        } catch (e) {
          return (e as Error).message;
        }
      };
      const expected = oneByOne();
      assert.equal(atOnce(), expected, JSON.stringify(list.map((r) => r.obj)));
      if (expected !== 'ok') duplicates++;
    }
    assert.ok(duplicates > 50 && duplicates < 280, `${duplicates} of 300 lists had a duplicate`);
  });
});
