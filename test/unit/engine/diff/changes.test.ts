import * as assert from 'node:assert/strict';
import type { KubeObject } from '../../../../src/kube/objects.js';
import { diffObjects } from '../../../../src/engine/diff/changes.js';
import { PointerPathError } from '../../../../src/engine/diff/structural-diff.js';
import { type Change } from '../../../../src/kluctl/resultTypes.js';
import { normalizeObject } from '../../../../src/engine/diff/normalize.js';

const configMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
  data,
});

/** What Kluctl's DiffUtil does per object: normalise remote and applied against the local object, diff remote → applied. */
function diffLikeKluctl(remote: KubeObject, applied: KubeObject, local: KubeObject = applied): Change[] {
  return diffObjects(normalizeObject(remote, [], local), normalizeObject(applied, [], local));
}

const change = (
  type: Change['type'],
  jsonPath: string,
  oldValue: unknown,
  newValue: unknown,
  unifiedDiff: string,
): Change => ({
  type,
  jsonPath,
  ...(oldValue !== undefined ? { oldValue } : {}),
  ...(newValue !== undefined ? { newValue } : {}),
  unifiedDiff,
});

describe('engine diff: changes (Kluctl diff_utils_test scenarios)', () => {
  it('changed field', () => {
    assert.deepEqual(diffLikeKluctl(configMap('test', { d1: 'v1' }), configMap('test', { d1: 'v2' })), [
      change('update', 'data.d1', 'v1', 'v2', '-v1\n+v2'),
    ]);
  });

  it('new field', () => {
    assert.deepEqual(diffLikeKluctl(configMap('test', { d1: 'v1' }), configMap('test', { d1: 'v1', d2: 'v2' })), [
      change('insert', 'data.d2', undefined, 'v2', '+v2'),
    ]);
  });

  it('removed field', () => {
    assert.deepEqual(diffLikeKluctl(configMap('test', { d1: 'v1', d2: 'v2' }), configMap('test', { d1: 'v1' })), [
      change('delete', 'data.d2', 'v2', undefined, '-v2'),
    ]);
  });

  it('new + removed field', () => {
    assert.deepEqual(diffLikeKluctl(configMap('test', { d1: 'v1' }), configMap('test', { d2: 'v2' })), [
      change('delete', 'data.d1', 'v1', undefined, '-v1'),
      change('insert', 'data.d2', undefined, 'v2', '+v2'),
    ]);
  });

  it('mixed changes, sorted by path', () => {
    assert.deepEqual(
      diffLikeKluctl(configMap('test', { d1: 'v1', d2: 'v2' }), configMap('test', { d1: 'v12', d3: 'v3' })),
      [
        change('update', 'data.d1', 'v1', 'v12', '-v1\n+v12'),
        change('delete', 'data.d2', 'v2', undefined, '-v2'),
        change('insert', 'data.d3', undefined, 'v3', '+v3'),
      ],
    );
  });

  it('kluctl.io/diff-name: the differing name is a change too', () => {
    const anns = { 'kluctl.io/diff-name': 'test' };
    assert.deepEqual(diffLikeKluctl(configMap('test1', { d1: 'v1' }, anns), configMap('test2', { d1: 'v2' }, anns)), [
      change('update', 'data.d1', 'v1', 'v2', '-v1\n+v2'),
      change('update', 'metadata.name', 'test1', 'test2', '-test1\n+test2'),
    ]);
  });

  it('nothing for equal objects, and integral floats equal ints', () => {
    assert.deepEqual(diffObjects({ a: { b: [1, { c: null }] } }, { a: { b: [1, { c: null }] } }), []);
    assert.deepEqual(diffObjects({ spec: { replicas: JSON.parse('2.0') as number } }, { spec: { replicas: 2 } }), []);
  });
});

describe('engine diff: changes (structure)', () => {
  it('ignores list order; unmatched elements pair up by index', () => {
    const old = { spec: { ports: [{ port: 80 }, { port: 443 }], args: ['a', 'b', 'c'] } };
    const now = { spec: { ports: [{ port: 443 }, { port: 80 }], args: ['c', 'x', 'a'] } };
    assert.deepEqual(diffObjects(old, now), [change('update', 'spec.args[1]', 'b', 'x', '-b\n+x')]);
  });

  it('removes surplus list elements and recurses into paired ones', () => {
    assert.deepEqual(diffObjects({ spec: { list: [{ a: 1 }, { b: 2 }] } }, { spec: { list: [{ a: 1 }] } }), [
      change('delete', 'spec.list[1]', { b: 2 }, undefined, '-b: 2'),
    ]);
    assert.deepEqual(
      diffObjects({ containers: [{ name: 'x', image: 'i1' }] }, { containers: [{ name: 'x', image: 'i2' }] }),
      [change('update', 'containers[0].image', 'i1', 'i2', '-i1\n+i2')],
    );
  });

  it('null to value and back are updates with the whole value', () => {
    assert.deepEqual(
      diffObjects({ spec: { a: null, b: { x: 1 }, c: null } }, { spec: { a: { x: 1 }, b: null, c: null } }),
      [
        change('update', 'spec["a"]', null, { x: 1 }, '@@ -1 +1 @@\n-<nil>\n\\ No newline at end of file\n+x: 1\n'),
        change('update', 'spec["b"]', { x: 1 }, null, '@@ -1 +1 @@\n-x: 1\n+<nil>\n\\ No newline at end of file\n'),
      ],
    );
  });

  it('a new key with a subtree is one insert rendered as Go YAML', () => {
    assert.deepEqual(
      diffObjects({ data: { keep: '1' } }, { data: { keep: '1', sub: { k: ['x', { y: true }], n: 2 } } }),
      [change('insert', 'data.sub', undefined, { k: ['x', { y: true }], n: 2 }, '+k:\n+- x\n+- "y": true\n+"n": 2')],
    );
  });

  it('a type change replaces the value', () => {
    assert.deepEqual(diffObjects({ v: 'single' }, { v: { a: 1, b: [1, 2] } }), [
      change(
        'update',
        '$["v"]',
        'single',
        { a: 1, b: [1, 2] },
        '@@ -1 +1,4 @@\n-single\n\\ No newline at end of file\n+a: 1\n+b:\n+- 1\n+- 2\n',
      ),
    ]);
    assert.deepEqual(diffObjects({ v: true }, { v: 'true' }), [
      change('update', '$["v"]', true, 'true', '-true\n+true'),
    ]);
  });

  it('quotes JSONPath keys like Kluctl (1-char keys, dots, quotes, leading $)', () => {
    const old = { a: '1', 'b.c': '1', 'q"': '1', data: { x: '1', 'my-key': '1', "k'": '1' }, list: [['a']] };
    const now = { a: '2', 'b.c': '2', 'q"': '2', data: { x: '2', 'my-key': '2', "k'": '2' }, list: [['b']] };
    assert.deepEqual(
      diffObjects(old, now).map((c) => c.jsonPath),
      ['$["a"]', '$["b.c"]', `$['q"']`, `data["k'"]`, 'data["my-key"]', 'data["x"]', 'list[0][0]'],
    );
  });

  it('sorts by the YAML form of the change (jsonPath first, byte order)', () => {
    const paths = diffObjects(
      { z: { b: 1 }, a: { b: 1 }, m: [1], data: { d1: 1, b: 1 } },
      { z: { b: 2 }, a: { b: 2 }, m: [2], data: { d1: 2, b: 2 } },
    ).map((c) => c.jsonPath);
    assert.deepEqual(paths, ['$["a"]["b"]', '$["m"][0]', '$["z"]["b"]', 'data.d1', 'data["b"]']);
  });
});

describe('engine diff: changes (unifiedDiff text)', () => {
  it('multi-line strings get gotextdiff hunks with @@ headers and 3 lines of context', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line${i + 1}`);
    const old = `${lines.join('\n')}\n`;
    const now = `${lines.map((l, i) => (i === 2 ? 'CHANGED' : l)).join('\n')}\nline13\n`;
    const [c] = diffObjects({ s: old }, { s: now });
    assert.equal(
      c.unifiedDiff,
      '@@ -1,6 +1,6 @@\n line1\n line2\n-line3\n+CHANGED\n line4\n line5\n line6\n@@ -10,3 +10,4 @@\n line10\n line11\n line12\n+line13\n',
    );
  });

  it('marks lines without a trailing newline', () => {
    assert.equal(
      diffObjects({ s: 'a\nb' }, { s: 'a\nc' })[0].unifiedDiff,
      '@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n',
    );
  });

  it('an empty side only shows the other side', () => {
    assert.equal(diffObjects({ v: '' }, { v: 'x\ny\n' })[0].unifiedDiff, '+x\n+y');
  });

  it('prints numbers as Go prints a float64', () => {
    const changes = diffObjects(
      { n: { i: 1, big: 123456789, m: 1000000, f: 0.5, small: 0.00001 } },
      { n: { i: 2, big: 123456780, m: 2000000, f: 1, small: 0.0001 } },
    );
    assert.deepEqual(
      changes.map((c) => [c.jsonPath, c.unifiedDiff]),
      [
        ['$["n"].big', '-1.23456789e+08\n+1.2345678e+08'],
        ['$["n"].small', '-1e-05\n+0.0001'],
        ['$["n"]["f"]', '-0.5\n+1'],
        ['$["n"]["i"]', '-1\n+2'],
        ['$["n"]["m"]', '-1e+06\n+2e+06'],
      ],
    );
  });
});

describe('engine diff: changes (normalisation quirks Kluctl has)', () => {
  const deployment = (container: Record<string, unknown>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'ns' },
    spec: { template: { spec: { containers: [{ name: 'c', ...container }] } } },
  });

  it('diffs env as a map by name', () => {
    const changes = diffLikeKluctl(
      deployment({ env: [{ name: 'A', value: '1' }] }),
      deployment({
        env: [
          { name: 'A', value: '2' },
          { name: 'B', value: '3' },
        ],
      }),
    );
    assert.deepEqual(changes, [
      change('update', 'spec.template.spec.containers[0].env["A"].value', '1', '2', '-1\n+2'),
      change(
        'insert',
        'spec.template.spec.containers[0].env["B"]',
        undefined,
        { name: 'B', value: '3' },
        '+name: B\n+value: "3"',
      ),
    ]);
  });

  it('adds and removes envFrom entries, but fails on a change inside one (as Kluctl does)', () => {
    const cm = (extra: Record<string, unknown> = {}) => ({ configMapRef: { name: 'a', ...extra } });
    assert.deepEqual(
      diffLikeKluctl(deployment({ envFrom: [cm()] }), deployment({ envFrom: [cm(), { secretRef: { name: 's' } }] })),
      [
        change(
          'insert',
          'spec.template.spec.containers[0].envFrom["secretRef/s"]',
          undefined,
          { secretRef: { name: 's' } },
          '+secretRef:\n+  name: s',
        ),
      ],
    );
    assert.throws(
      () => diffLikeKluctl(deployment({ envFrom: [cm()] }), deployment({ envFrom: [cm({ optional: true })] })),
      PointerPathError,
    );
    assert.throws(
      () => diffLikeKluctl(deployment({ envFrom: [cm()] }), deployment({ envFrom: [cm({ optional: true })] })),
      /path element Object is invalid/,
    );
  });

  it('a ServiceAccount whose secrets were all tokens shows secrets deleted as null', () => {
    const sa = (secrets?: unknown[]): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sa' },
      ...(secrets ? { secrets } : {}),
    });
    assert.deepEqual(diffLikeKluctl(sa([{ name: 'sa-token-1' }]), sa()), [
      change('delete', 'secrets', null, undefined, '-<nil>'),
    ]);
    assert.deepEqual(diffLikeKluctl(sa([{ name: 'sa-token-1' }]), sa([{ name: 'sa-token-2' }])), []);
    assert.deepEqual(diffLikeKluctl(sa([{ name: 'sa-token-1' }]), sa([{ name: 'other' }])), [
      change('insert', 'secrets[0]', undefined, { name: 'other' }, '+name: other'),
    ]);
  });
});
