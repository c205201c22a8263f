import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import DiffMatchPatch from 'diff-match-patch';
import {
  cleanManifest,
  decodeCompactedObjects,
  objectDiffs,
  parseJsonPath,
} from '../../../src/gitops/resultDocuments.js';

const gz = (value: unknown): string => gzipSync(JSON.stringify(value)).toString('base64');

describe('result documents', () => {
  it('parses Kluctl jsonPaths', () => {
    assert.deepEqual(parseJsonPath('spec.template.spec.containers[0].image'), [
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'image',
    ]);
    assert.deepEqual(parseJsonPath('metadata.annotations["kluctl.io/x"]'), ['metadata', 'annotations', 'kluctl.io/x']);
    assert.deepEqual(parseJsonPath('$["a.b"].c'), ['a.b', 'c']);
    assert.deepEqual(parseJsonPath('data["a"]'), ['data', 'a']);
  });

  it('decodes full and delta sides of compacted objects', () => {
    const remote = JSON.stringify({
      kind: 'ConfigMap',
      data: { a: '1' },
      metadata: { name: 'x', resourceVersion: '5' },
    });
    const applied = JSON.stringify({
      kind: 'ConfigMap',
      data: { a: '2' },
      metadata: { name: 'x', resourceVersion: '5' },
    });
    const dmp = new DiffMatchPatch();
    const delta = dmp.diff_toDelta(dmp.diff_main(remote, applied));
    const decoded = decodeCompactedObjects({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cr' },
      data: {
        compactedObjects: gz([
          {
            ref: { kind: 'ConfigMap', name: 'x', version: 'v1' },
            changes: [{ type: 'update', jsonPath: 'data.a' }],
            remote: `full: ${remote}`,
            applied: `delta: ${delta}`,
          },
        ]),
      },
    });
    assert.deepEqual(decoded?.[0].applied, JSON.parse(applied));
    assert.equal(decoded?.[0].rendered, undefined);
  });

  it('builds partial documents from changes when no manifests were stored (drift results)', () => {
    const [diff] = objectDiffs(
      {
        objects: [
          {
            ref: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', namespace: 'prod' },
            changes: [
              {
                type: 'update',
                jsonPath: 'spec.template.spec.containers[0].image',
                oldValue: 'nginx:1',
                newValue: 'nginx:2',
              },
              { type: 'insert', jsonPath: 'metadata.labels["tier"]', newValue: 'web' },
            ],
          },
        ],
      },
      undefined,
    );
    assert.equal(diff.status, 'changed');
    assert.equal(
      diff.left,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  template:\n    spec:\n      containers:\n        - image: nginx:1\n',
    );
    assert.match(diff.right ?? '', /labels:\n {4}tier: web/);
    assert.match(diff.right ?? '', /image: nginx:2/);
  });

  it('masks Secret values and marks the ones that changed', () => {
    const secret = (password: string, user: string): Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: Buffer.from(password).toString('base64'), user: Buffer.from(user).toString('base64') },
    });
    const compacted = [
      {
        ref: { version: 'v1', kind: 'Secret', name: 's' },
        remote: secret('old', 'admin'),
        applied: secret('new', 'admin'),
      },
    ];
    const [diff] = objectDiffs(
      { objects: [{ ref: compacted[0].ref, changes: [{ type: 'update', jsonPath: 'data.password' }] }] },
      compacted,
    );
    assert.match(diff.left ?? '', /password: "\*{5}"\n {2}user: "\*{5}"/);
    assert.match(diff.right ?? '', /password: "\*{5} \(changed\)"\n {2}user: "\*{5}"/);
    assert.doesNotMatch(`${diff.left}${diff.right}`, /b2xk|bmV3|YWRtaW4/, 'no base64 value leaks');
  });

  it('removes server-side noise from manifests', () => {
    const cleaned = cleanManifest({
      kind: 'ConfigMap',
      metadata: {
        name: 'x',
        uid: 'u',
        resourceVersion: '1',
        managedFields: [],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      status: { a: 1 },
    });
    assert.deepEqual(cleaned, { kind: 'ConfigMap', metadata: { name: 'x' } });
  });
});
