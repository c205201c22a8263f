import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { decodeSecretPayload } from '../../../src/kluctl/results.js';
import { maskResult } from '../../../src/kluctl/masking.js';
import type { Change, CommandResult, DriftDetectionResult, ResultObject } from '../../../src/kluctl/resultTypes.js';

const secretRef = { version: 'v1', kind: 'Secret', name: 'db', namespace: 'simple' };

function resultWith(...objects: ResultObject[]): CommandResult {
  return {
    id: 'r',
    reconcileId: 'c',
    projectKey: { repoKey: 'git://github.com/acme/app' },
    targetKey: { clusterId: 'k' },
    target: { name: 'prod' },
    clusterInfo: { clusterId: 'k' },
    objects,
  };
}

function maskedChanges(...changes: Change[]): Change[] {
  return maskResult(resultWith({ ref: secretRef, changes })).objects![0].changes!;
}

describe('kluctl/masking maskResult', () => {
  it('masks an updated data value, keeping path, type and markers, and marks the new side as changed', () => {
    const [change] = maskedChanges({
      type: 'update',
      jsonPath: 'data.password',
      oldValue: 'aHVudGVyMg==',
      newValue: 'czNjcjN0',
      unifiedDiff: '-aHVudGVyMg==\n+czNjcjN0',
    });
    assert.deepEqual(change, {
      type: 'update',
      jsonPath: 'data.password',
      oldValue: '*****',
      newValue: '*****',
      unifiedDiff: '-***** (obfuscated)\n+***** (obfuscated, changed)',
    });
  });

  it('masks inserted and deleted single values like Kluctl’s CLI (bracketed paths included)', () => {
    const [inserted, deleted] = maskedChanges(
      { type: 'insert', jsonPath: 'data["secret.dot1"]', newValue: 'djE=', unifiedDiff: '+djE=' },
      { type: 'delete', jsonPath: 'stringData.token', oldValue: 'plain-token', unifiedDiff: '-plain-token' },
    );
    assert.equal(inserted.unifiedDiff, '+***** (obfuscated)');
    assert.equal(inserted.newValue, '*****');
    assert.equal(inserted.oldValue, undefined);
    assert.equal(deleted.unifiedDiff, '-***** (obfuscated)');
    assert.equal(deleted.oldValue, '*****');
  });

  it('masks a whole inserted map but keeps its keys visible, in YAML as Kluctl prints it', () => {
    const [change] = maskedChanges({
      type: 'insert',
      jsonPath: 'stringData',
      newValue: { secret2: 'plain', 'api.key': 'plain2' },
      unifiedDiff: '+api.key: plain2\n+secret2: plain',
    });
    assert.deepEqual(change.newValue, { secret2: '*****', 'api.key': '*****' });
    assert.equal(change.unifiedDiff, "+api.key: '***** (obfuscated)'\n+secret2: '***** (obfuscated)'");
  });

  it('shows which keys of an updated map were added, removed, changed or kept', () => {
    const [change] = maskedChanges({
      type: 'update',
      jsonPath: 'data',
      oldValue: { kept: 'YQ==', changed: 'Yg==', removed: 'Yw==' },
      newValue: { kept: 'YQ==', changed: 'YjI=', added: 'ZA==' },
      unifiedDiff: 'irrelevant',
    });
    // Kluctl's diff text of the masked maps: a kept key is context, a changed one is marked on the new side.
    assert.equal(
      change.unifiedDiff,
      [
        '@@ -1,3 +1,3 @@',
        "-changed: '***** (obfuscated)'",
        "+added: '***** (obfuscated)'",
        "+changed: '***** (obfuscated, changed)'",
        " kept: '***** (obfuscated)'",
        "-removed: '***** (obfuscated)'",
        '',
      ].join('\n'),
    );
    assert.deepEqual(change.newValue, { kept: '*****', changed: '*****', added: '*****' });
  });

  it('keeps a null side null (shown as <nil>, as Kluctl prints null)', () => {
    const [change] = maskedChanges({
      type: 'update',
      jsonPath: 'data.x',
      oldValue: null,
      newValue: 'eA==',
      unifiedDiff: '-null\n+eA==',
    });
    assert.equal(change.oldValue, null);
    assert.equal(change.unifiedDiff, '-<nil>\n+***** (obfuscated)');
  });

  it('masks a change whose path cannot be read, instead of failing', () => {
    const [change] = maskedChanges({ type: 'update', jsonPath: '[[[', oldValue: 'YQ==', newValue: 'Yg==' });
    assert.equal(change.unifiedDiff, '-***** (obfuscated)\n+***** (obfuscated, changed)');
    assert.equal(change.newValue, '*****');
  });

  it('leaves other fields of a Secret, ConfigMaps and non-core "Secret" kinds alone', () => {
    const label: Change = {
      type: 'update',
      jsonPath: 'metadata.labels.tier',
      oldValue: 'a',
      newValue: 'b',
      unifiedDiff: '-a\n+b',
    };
    const dataChange: Change = {
      type: 'update',
      jsonPath: 'data.x',
      oldValue: 'a',
      newValue: 'b',
      unifiedDiff: '-a\n+b',
    };
    const configMap: ResultObject = {
      ref: { version: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'simple' },
      changes: [dataChange],
    };
    const foreign: ResultObject = {
      ref: { group: 'example.com', version: 'v1', kind: 'Secret', name: 's' },
      changes: [dataChange],
    };
    const masked = maskResult(resultWith({ ref: secretRef, changes: [label] }, configMap, foreign));
    assert.deepEqual(masked.objects![0].changes, [label]);
    assert.deepEqual(masked.objects![1], configMap);
    assert.deepEqual(masked.objects![2], foreign);
  });

  it('masks data and stringData in the rendered, remote and applied copies', () => {
    const copy = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'simple' },
      data: { a: 'cGxhaW4=' },
      stringData: { b: 'plain' },
    };
    const masked = maskResult(resultWith({ ref: secretRef, rendered: copy, remote: copy, applied: copy })).objects![0];
    for (const side of [masked.rendered, masked.remote, masked.applied]) {
      assert.deepEqual(side?.data, { a: Buffer.from('*****').toString('base64') });
      assert.deepEqual(side?.stringData, { b: '*****' });
      assert.deepEqual(side?.metadata, copy.metadata);
    }
  });

  it('does not modify its input, and returns it untouched when revealing', () => {
    const original = resultWith({
      ref: secretRef,
      changes: [{ type: 'insert', jsonPath: 'data.p', newValue: 'cA==', unifiedDiff: '+cA==' }],
    });
    const before = structuredClone(original);
    const masked = maskResult(original);
    assert.deepEqual(original, before);
    assert.notDeepEqual(masked, before);
    assert.equal(maskResult(original, { reveal: true }), original);
  });

  it('gives the same output for the same input, and masks drift results from the KD status too', () => {
    const drift: DriftDetectionResult = {
      id: 'd',
      reconcileId: 'c',
      projectKey: {},
      targetKey: { clusterId: 'k' },
      startTime: 't',
      endTime: 't',
      objects: [
        {
          ref: secretRef,
          lastResourceVersion: '7',
          changes: [{ type: 'update', jsonPath: 'data.p', oldValue: 'YQ==', newValue: 'Yg==' }],
        },
      ],
    };
    const first = maskResult(drift);
    assert.deepEqual(first, maskResult(structuredClone(drift)));
    assert.equal(first.objects![0].lastResourceVersion, '7');
    assert.equal(first.objects![0].changes![0].unifiedDiff, '-***** (obfuscated)\n+***** (obfuscated, changed)');
  });

  it('masks a result decoded from a gzipped result payload end to end', () => {
    const stored = resultWith({
      ref: secretRef,
      changes: [
        { type: 'update', jsonPath: 'data.password', oldValue: 'b2xk', newValue: 'bmV3', unifiedDiff: '-b2xk\n+bmV3' },
      ],
    });
    const payload = gzipSync(Buffer.from(JSON.stringify(stored))).toString('base64');
    const masked = maskResult(decodeSecretPayload<CommandResult>(payload));
    assert.ok(!JSON.stringify(masked).includes('b2xk') && !JSON.stringify(masked).includes('bmV3'));
  });
});
