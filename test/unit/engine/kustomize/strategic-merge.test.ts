import * as assert from 'node:assert/strict';
import { strategicMerge } from '../../../../src/engine/kustomize/patches/strategic-merge.js';
import { parseResourceYaml } from '../../../../src/engine/yaml/kustomize.js';

type Obj = Record<string, unknown>;
const y = (text: string): Obj => parseResourceYaml(text, 'test.yaml')[0].value as Obj;

const deployment = (spec: string): Obj =>
  y(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n${spec}`);

describe('engine/kustomize: strategic merge patches', () => {
  it('merges maps, deletes with null, replaces scalars', () => {
    const result = strategicMerge(
      y('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: "1", b: "2"}\ndata: {x: "1", y: "2"}\n'),
      y('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {b: null, c: "3"}\ndata: {y: "20"}\n'),
    );
    assert.deepEqual(result, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: { a: '1', c: '3' } },
      data: { x: '1', y: '20' },
    });
  });

  it('merges containers by name: patched and new ones first (patch order), then the untouched ones', () => {
    const dest = deployment(
      '  template:\n    spec:\n      containers:\n      - {name: a, image: a}\n      - {name: b, image: b, env: [{name: X, value: "1"}, {name: Y, value: "2"}]}\n',
    );
    const patch = deployment(
      '  template:\n    spec:\n      containers:\n      - {name: b, image: b2, env: [{name: Y, value: "20"}, {name: Z, value: "3"}]}\n      - {name: c, image: c}\n',
    );
    const containers = ((strategicMerge(dest, patch)!.spec as Obj).template as { spec: { containers: unknown[] } }).spec
      .containers;
    assert.deepEqual(containers, [
      {
        name: 'b',
        image: 'b2',
        env: [
          { name: 'Y', value: '20' },
          { name: 'Z', value: '3' },
          { name: 'X', value: '1' },
        ],
      },
      { name: 'c', image: 'c' },
      { name: 'a', image: 'a' },
    ]);
  });

  it('honours $patch: delete on list elements and maps, $patch: replace on maps', () => {
    const dest = deployment(
      '  template:\n    spec:\n      securityContext: {runAsUser: 1, fsGroup: 2}\n      volumes:\n      - {name: keep, emptyDir: {}}\n      - {name: gone, emptyDir: {}}\n      affinity: {nodeAffinity: {}}\n',
    );
    const patch = deployment(
      '  template:\n    spec:\n      securityContext: {$patch: replace, runAsNonRoot: true}\n      volumes:\n      - {name: gone, $patch: delete}\n      affinity: {$patch: delete}\n',
    );
    const spec = ((strategicMerge(dest, patch)!.spec as Obj).template as { spec: Obj }).spec;
    assert.deepEqual(spec, { securityContext: { runAsNonRoot: true }, volumes: [{ name: 'keep', emptyDir: {} }] });
  });

  it('replaces lists the schema does not merge (args, tolerations) and every list of unknown kinds', () => {
    const dest = deployment(
      '  template:\n    spec:\n      tolerations: [{key: a}]\n      containers: [{name: c, args: [x, y]}]\n',
    );
    const patch = deployment(
      '  template:\n    spec:\n      tolerations: [{key: b}]\n      containers: [{name: c, args: [z]}]\n',
    );
    assert.deepEqual(((strategicMerge(dest, patch)!.spec as Obj).template as { spec: Obj }).spec, {
      tolerations: [{ key: 'b' }],
      containers: [{ name: 'c', args: ['z'] }],
    });
    const crd = strategicMerge(
      y('apiVersion: x.io/v1\nkind: Thing\nmetadata: {name: t}\nspec: {items: [{name: a}, {name: b}]}\n'),
      y('apiVersion: x.io/v1\nkind: Thing\nmetadata: {name: t}\nspec: {items: [{name: b, v: 1}]}\n'),
    );
    assert.deepEqual(crd!.spec, { items: [{ name: 'b', v: 1 }] });
  });

  it('merges lists of scalars with a merge strategy (finalizers) by value', () => {
    const result = strategicMerge(
      y('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a, b]}\n'),
      y('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [c, a]}\n'),
    );
    assert.deepEqual((result!.metadata as Obj).finalizers, ['c', 'a', 'b']);
  });

  it('deletes the whole object with a top-level $patch: delete', () => {
    assert.equal(
      strategicMerge(
        y('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n'),
        y('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n$patch: delete\n'),
      ),
      undefined,
    );
  });

  it('keeps an explicit null the patch does not mention, drops an empty value', () => {
    const result = strategicMerge(
      y('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, creationTimestamp: null}\ndata:\n  empty:\n  x: "1"\n'),
      y('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {x: "2"}\n'),
    );
    assert.deepEqual(result, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', creationTimestamp: null },
      data: { x: '2' },
    });
  });
});
