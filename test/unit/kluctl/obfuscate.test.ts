import * as assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/kube/objects.js';
import { diffObjects } from '../../../src/engine/diff/changes.js';
import { obfuscateChanges, obfuscateSecret } from '../../../src/kluctl/masking.js';
import { refOf } from '../../../src/kluctl/objectRef.js';

const secret = (fields: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'ns' },
  ...fields,
});

function obfuscatedDiff(a: KubeObject, b: KubeObject) {
  return obfuscateChanges(refOf(b), diffObjects(a, b));
}

describe('kluctl/masking: Kluctl obfuscation (strings of Kluctl’s e2e obfuscate_test)', () => {
  it('masks changed values', () => {
    assert.deepEqual(
      obfuscatedDiff(
        secret({ data: { secret: 'c2VjcmV0X3ZhbHVlXzE=' } }),
        secret({ data: { secret: 'c2VjcmV0X3ZhbHVlXzI=' } }),
      ),
      [
        {
          type: 'update',
          jsonPath: 'data.secret',
          oldValue: '*****',
          newValue: '*****',
          unifiedDiff: '-***** (obfuscated)\n+***** (obfuscated)',
        },
      ],
    );
  });

  it('masks every value of an inserted map', () => {
    assert.deepEqual(obfuscatedDiff(secret(), secret({ stringData: { secret2: 'secret_value_2' } })), [
      {
        type: 'insert',
        jsonPath: 'stringData',
        newValue: { secret2: '*****' },
        unifiedDiff: "+secret2: '***** (obfuscated)'",
      },
    ]);
    assert.equal(
      obfuscatedDiff(secret(), secret({ stringData: { secret3: 'v3', secret4: 'v4' } }))[0].unifiedDiff,
      "+secret3: '***** (obfuscated)'\n+secret4: '***** (obfuscated)'",
    );
  });

  it('keeps the paths of keys with dots', () => {
    const changes = obfuscatedDiff(
      secret({ data: { a: 'x' } }),
      secret({ data: { a: 'x', 'secret.dot1': 'djU=', 'secret.dot2': 'djY=' } }),
    );
    assert.deepEqual(
      changes.map((c) => `${c.jsonPath} | ${c.unifiedDiff}`),
      ['data["secret.dot1"] | +***** (obfuscated)', 'data["secret.dot2"] | +***** (obfuscated)'],
    );
  });

  it('masks null too, and leaves other fields and other kinds alone', () => {
    const changes = obfuscatedDiff(
      secret({ type: 'Opaque', data: null }),
      secret({ type: 'kubernetes.io/tls', data: { k: 'v' } }),
    );
    assert.deepEqual(changes, [
      {
        type: 'update',
        jsonPath: 'data',
        oldValue: '*****',
        newValue: { k: '*****' },
        unifiedDiff: "@@ -1 +1 @@\n-***** (obfuscated)\n\\ No newline at end of file\n+k: '***** (obfuscated)'\n",
      },
      {
        type: 'update',
        jsonPath: 'type',
        oldValue: 'Opaque',
        newValue: 'kubernetes.io/tls',
        unifiedDiff: '-Opaque\n+kubernetes.io/tls',
      },
    ]);
    const plain = diffObjects({ data: { a: '1' } }, { data: { a: '2' } });
    assert.equal(obfuscateChanges({ group: 'example.io', kind: 'Secret', name: 's' }, plain)[0].newValue, '2');
    const own = diffObjects(secret({ data: { a: 'MQ==' } }), secret({ data: { a: 'Mg==' } }));
    obfuscateChanges(refOf(secret()), own);
    assert.equal(own[0].newValue, 'Mg==', 'the input stays untouched');
  });

  it('masks the rendered/remote/applied copies of Secrets only', () => {
    const s = secret({ data: { a: 'eA==', b: 'eQ==' }, stringData: { c: 'z' } });
    assert.deepEqual(
      obfuscateSecret(s),
      secret({ data: { a: 'KioqKio=', b: 'KioqKio=' }, stringData: { c: '*****' } }),
    );
    assert.deepEqual(s.data, { a: 'eA==', b: 'eQ==' }, 'the input stays untouched');
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    assert.equal(obfuscateSecret(cm), cm);
    assert.equal(obfuscateSecret(undefined), undefined);
    assert.throws(() => obfuscateSecret(secret({ data: 'nope' })), /'data' is not a map of strings/);
  });
});
