import * as assert from 'node:assert/strict';
import type { KubeObject } from '../../../../src/kube/objects.js';
import type { IgnoreForDiffConfig } from '../../../../src/engine/project/types.js';
import { normalizeObject } from '../../../../src/engine/diff/normalize.js';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** uo.MergeMap: maps merge recursively, anything else replaces. */
function merge(a: Json, b: Json): Json {
  for (const [k, v] of Object.entries(b)) a[k] = isMap(a[k]) && isMap(v) ? merge(a[k], v) : v;
  return a;
}

/** Kluctl's test object: Deployment apps/v1 ns/test, with the given parts merged in. */
const object = (...parts: Json[]): KubeObject =>
  parts.reduce((o, p) => merge(o, structuredClone(p)), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'test', namespace: 'ns' },
  } as Json) as KubeObject;
/** What normalisation of `object()` gives: empty labels and annotations added. */
const normalized = (...parts: Json[]): KubeObject => object({ metadata: { labels: {}, annotations: {} } }, ...parts);

function check(
  remote: KubeObject,
  expected: unknown,
  ignore: IgnoreForDiffConfig[] = [],
  local: KubeObject = object(),
): void {
  const before = structuredClone(remote);
  assert.deepEqual(JSON.parse(JSON.stringify(normalizeObject(remote, ignore, local))), expected);
  assert.deepEqual(remote, before, 'the input stays untouched');
}

describe('engine diff: normalizeObject (Kluctl normalize_test scenarios)', () => {
  it('noop', () => check(object(), normalized()));

  it('metadata', () => {
    check(object({ metadata: { labels: null, annotations: null } }), normalized());
    check(
      object({
        metadata: {
          managedFields: {},
          creationTimestamp: 'test',
          generation: 'test',
          resourceVersion: 123,
          selfLink: 'test',
          uid: 'test',
          good: 'keep',
        },
      }),
      normalized({ metadata: { good: 'keep' } }),
    );
    check(
      object({
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'test', good: 'keep' } },
      }),
      normalized({ metadata: { annotations: { good: 'keep' } } }),
    );
  });

  it('misc: controller-uid labels and status', () => {
    check(
      object({
        spec: { template: { metadata: { labels: { 'controller-uid': 'test', good: 'keep' } } } },
        selector: { 'controller-uid': 'test', good: 'keep' },
      }),
      normalized({
        selector: { 'controller-uid': 'test', good: 'keep' },
        spec: { template: { metadata: { labels: { good: 'keep' } } } },
      }),
    );
    check(
      object({
        spec: { template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'test', good: 'keep' } } } },
        selector: { 'batch.kubernetes.io/controller-uid': 'test' },
      }),
      normalized({
        selector: { 'batch.kubernetes.io/controller-uid': 'test' },
        spec: { template: { metadata: { labels: { good: 'keep' } } } },
      }),
    );
    check(
      object({
        spec: {
          selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x', 'controller-uid': 'y', app: 'a' } },
        },
      }),
      normalized({ spec: { selector: { matchLabels: { app: 'a' } } } }),
    );
    check(object({ status: { test: 'test' } }), normalized());
  });

  it('containers: env becomes a map by name', () => {
    check(
      object({ spec: { template: { spec: { containers: [{ env: [{ name: 'a', value: 'x' }] }] } } } }),
      normalized({ spec: { template: { spec: { containers: [{ env: { a: { name: 'a', value: 'x' } } }] } } } }),
    );
  });

  it('containers: envFrom keyed by ref, env left alone when a name is missing', () => {
    const container = {
      name: 'c',
      env: [{ name: 'a', value: 'x' }, { value: 'noname' }],
      envFrom: [
        { configMapRef: { name: 'cm' } },
        { secretRef: { name: 's' } },
        { prefix: 'P' },
        { configMapRef: { name: 'cm2' }, secretRef: { name: 's2' } },
      ],
    };
    const expected = {
      name: 'c',
      env: [{ name: 'a', value: 'x' }, { value: 'noname' }],
      envFrom: {
        'configMapRef/cm': { configMapRef: { name: 'cm' } },
        'secretRef/s': { secretRef: { name: 's' } },
        'secretRef/s2': { configMapRef: { name: 'cm2' }, secretRef: { name: 's2' } },
        unknown: [{ prefix: 'P' }],
      },
    };
    check(
      object({ spec: { template: { spec: { containers: [container] } } } }),
      normalized({ spec: { template: { spec: { containers: [expected] } } } }),
    );
  });

  it('containers: StatefulSet yes (last duplicate wins), Job no (Kluctl checks kind "job")', () => {
    const env = (e: unknown) => ({ spec: { template: { spec: { containers: [{ env: e }] } } } });
    check(
      object(
        { kind: 'StatefulSet' },
        env([
          { name: 'a', value: 'x' },
          { name: 'a', value: 'y' },
        ]),
      ),
      normalized({ kind: 'StatefulSet' }, env({ a: { name: 'a', value: 'y' } })),
    );
    check(
      object({ apiVersion: 'batch/v1', kind: 'Job' }, env([{ name: 'a', value: 'x' }])),
      normalized({ apiVersion: 'batch/v1', kind: 'Job' }, env([{ name: 'a', value: 'x' }])),
    );
  });

  it('ConfigMap/Secret: empty or null data is dropped', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap' };
    check(object(cm, { data: { good: 'keep' } }), normalized(cm, { data: { good: 'keep' } }));
    check(object(cm, { data: {} }), normalized(cm));
    check(object(cm, { data: null }), normalized(cm));
    check(object(cm), normalized(cm));
    check(
      object({ apiVersion: 'v1', kind: 'Secret', data: {}, stringData: {} }),
      normalized({ apiVersion: 'v1', kind: 'Secret', stringData: {} }),
    );
  });

  it('ServiceAccount: token secrets named <sa>-… are dropped', () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount' };
    check(
      object(sa, { secrets: [{ name: 'test-remove' }, { name: 'good' }] }),
      normalized(sa, { secrets: [{ name: 'good' }] }),
    );
    check(object(sa, { secrets: [{ name: 'test-token-x' }] }), normalized(sa, { secrets: null }));
    check(object(sa, { secrets: [] }), normalized(sa, { secrets: null }));
  });

  it('numbers: -0 becomes 0, others stay', () => {
    check(object({ spec: { x: 1.0, y: -0, z: 2.5 } }), normalized({ spec: { x: 1, y: 0, z: 2.5 } }));
  });
});

describe('engine diff: normalizeObject with ignoreForDiff rules', () => {
  const labels = (l: Json) => ({ metadata: { labels: l } });

  it('fieldPath, wildcard and regex', () => {
    check(object(labels({ l1: 'v1', l2: 'l2', good: 'keep' })), normalized(labels({ good: 'keep' })), [
      { fieldPath: ['metadata.labels.l1', 'metadata.labels.l2'] },
    ]);
    check(object(labels({ l1: 'v1', l2: 'l2' })), normalized(labels({})), [{ fieldPath: 'metadata.labels.*' }]);
    check(object(labels({ l1: 'v1', l2: 'l2', good: 'keep' })), normalized(labels({ good: 'keep' })), [
      { fieldPathRegex: ['metadata\\.labels\\.l.*'] },
    ]);
  });

  it('group/kind/name/namespace filters', () => {
    for (const f of ['group', 'kind', 'name', 'namespace']) {
      check(object(labels({ l1: 'v1', good: 'keep' })), normalized(labels({ l1: 'v1', good: 'keep' })), [
        { fieldPath: ['metadata.labels.*'], [f]: 'Nope' },
      ]);
    }
    check(object(labels({ l1: 'v1', l2: 'l2' })), normalized(labels({})), [
      { fieldPath: ['metadata.labels.*'], group: 'apps', kind: 'Deployment', name: 'test', namespace: 'ns' },
    ]);
  });

  it('an empty group or namespace of the object matches any filter (Kluctl quirk)', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: null } };
    check(object(cm, labels({ l1: 'v1' })), normalized(cm, labels({})), [
      { fieldPath: ['metadata.labels.*'], group: 'Nope', namespace: 'Nope' },
    ]);
  });

  it('filters and more rules, and regexes see single-character keys bracketed', () => {
    const containers = [
      { name: 'a', image: 'x' },
      { name: 'b', image: 'y' },
    ];
    check(
      object({ spec: { replicas: 3, template: { spec: { containers } } } }),
      normalized({ spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }] } } } }),
      [{ fieldPath: "spec.template.spec.containers[?(@.name=='b')].image" }, { fieldPath: 'spec.replicas' }],
    );
    // spec.x[0] is spelled spec["x"][0], which `spec\.x` does not match
    check(object({ spec: { x: [1, 2, 3] } }), normalized({ spec: { x: [1, 2, 3] } }), [{ fieldPathRegex: 'spec\\.x' }]);
  });

  it('invalid paths and regexes fail', () => {
    assert.throws(() => normalizeObject(object(), [{ fieldPath: 'data[x' }], object()));
    assert.throws(
      () => normalizeObject(object(), [{ fieldPath: 'metadata.labels.my-label' }], object()),
      /parse error/,
    );
    assert.throws(() => normalizeObject(object(), [{ fieldPathRegex: 'data\\.(' }], object()), /error parsing regexp/);
  });
});

describe('engine diff: normalizeObject with annotations of the local object', () => {
  const labels = (l: Json) => ({ metadata: { labels: l } });
  const local = (annotations: Record<string, string>) => object({ metadata: { annotations } });

  it('kluctl.io/ignore-diff empties the object (Go bools only)', () => {
    check(object(labels({ l1: 'v1' })), {}, [], local({ 'kluctl.io/ignore-diff': 'true' }));
    check(object(labels({ l1: 'v1' })), {}, [], local({ 'kluctl.io/ignore-diff': '1' }));
    check(
      object(labels({ l1: 'v1' })),
      normalized(labels({ l1: 'v1' })),
      [],
      local({ 'kluctl.io/ignore-diff': 'yes' }),
    );
  });

  it('kluctl.io/ignore-diff-field and its -N variants', () => {
    check(
      object(labels({ l1: 'v1', l2: 'l2' })),
      normalized(labels({ l2: 'l2' })),
      [],
      local({ 'kluctl.io/ignore-diff-field': 'metadata.labels.l1' }),
    );
    check(
      object(labels({ l1: 'v1', l2: 'l2', l3: 'l3', good: 'keep' })),
      normalized(labels({ good: 'keep' })),
      [],
      local({
        'kluctl.io/ignore-diff-field': 'metadata.labels.l1',
        'kluctl.io/ignore-diff-field-1': 'metadata.labels.l2',
        'kluctl.io/ignore-diff-field-3': 'metadata.labels.l3',
      }),
    );
    check(
      object(labels({ l1: 'v1' })),
      normalized(labels({})),
      [],
      local({
        'kluctl.io/ignore-diff-field-x': 'metadata.labels.nope',
        'kluctl.io/ignore-diff-field-': 'metadata.labels.l1',
      }),
    );
  });

  it('kluctl.io/ignore-diff-field-regex and its -N variants', () => {
    check(
      object(labels({ l1: 'v1', l2: 'l2', l3: 'l3', good: 'keep' })),
      normalized(labels({ good: 'keep' })),
      [],
      local({
        'kluctl.io/ignore-diff-field-regex': 'metadata\\.labels\\.l[12]',
        'kluctl.io/ignore-diff-field-regex-1': 'metadata\\.labels\\.l3',
      }),
    );
  });
});
