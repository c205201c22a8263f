import * as assert from 'node:assert/strict';
import { contentHash, goJson } from '../../../../src/engine/kustomize/hash.js';

const configMap = (extra: object): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'any' },
  ...extra,
});

describe('engine/kustomize: generated-name hash', () => {
  // Expected values computed with sigs.k8s.io/kustomize/api v0.21.1 hasher.Hasher.
  it('matches kustomize for ConfigMaps and Secrets', () => {
    assert.equal(contentHash(configMap({ data: { LOG_LEVEL: 'debug' } })), '47668c6k28');
    assert.equal(contentHash(configMap({})), '6ct58987ht');
    assert.equal(
      contentHash(
        configMap({ data: { html: '<a & b>', uni: 'été \u2028', ctl: '\b\f\x01' }, binaryData: { bin: 'AAEC' } }),
      ),
      'b99t8ckd25',
    );
    assert.equal(
      contentHash({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'any' },
        type: 'Opaque',
        data: { password: 'czNjcjN0' },
      }),
      '25k92892fb',
    );
    assert.equal(contentHash({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'any' }, data: {} }), '875545gk2h');
  });

  it('ignores the name, labels and annotations (kustomize looks the name up as one field "metadata/name")', () => {
    const a = contentHash(configMap({ data: { k: 'v' } }));
    const b = contentHash({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'other', labels: { x: 'y' } },
      data: { k: 'v' },
    });
    assert.equal(a, b);
  });

  it('encodes JSON like Go: sorted keys, HTML-safe, U+2028 escaped, \\b and \\f short', () => {
    assert.equal(
      goJson({ b: '<&>', a: ['\u2028', '\b\f\x01', 1.5, true, null] }),
      '{"a":["\\u2028","\\b\\f\\u0001",1.5,true,null],"b":"\\u003c\\u0026\\u003e"}',
    );
  });
});
