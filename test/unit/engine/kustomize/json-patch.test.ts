import * as assert from 'node:assert/strict';
import { KustomizeError } from '../../../../src/engine/errors.js';
import { applyJsonPatch } from '../../../../src/engine/kustomize/patches/json-patch.js';

describe('engine/kustomize: JSON patches (RFC 6902, evanphx/json-patch semantics)', () => {
  const doc = { a: { b: [1, 2, 3], 'c/d': 'x', 'e~f': 'y' } };

  it('applies add, remove, replace, move, copy and test without touching the input', () => {
    const result = applyJsonPatch(doc, [
      { op: 'add', path: '/a/b/-', value: 4 },
      { op: 'add', path: '/a/b/0', value: 0 },
      { op: 'remove', path: '/a/b/1' },
      { op: 'replace', path: '/a/c~1d', value: 'X' },
      { op: 'move', from: '/a/e~0f', path: '/moved' },
      { op: 'copy', from: '/a/b', path: '/copy' },
      { op: 'test', path: '/copy/0', value: 0 },
      { op: 'replace', path: '/a/b/-1', value: 9 },
    ]);
    assert.deepEqual(result, { a: { b: [0, 2, 3, 9], 'c/d': 'X' }, moved: 'y', copy: [0, 2, 3, 4] });
    assert.deepEqual(doc, { a: { b: [1, 2, 3], 'c/d': 'x', 'e~f': 'y' } });
  });

  it('fails on missing keys and paths, out-of-range indices and failed tests', () => {
    for (const op of [
      { op: 'replace', path: '/a/missing', value: 1 },
      { op: 'remove', path: '/a/missing' },
      { op: 'add', path: '/missing/x', value: 1 },
      { op: 'add', path: '/a/b/7', value: 1 },
      { op: 'test', path: '/a/c~1d', value: 'nope' },
      { op: 'frobnicate', path: '/a' },
    ]) {
      assert.throws(() => applyJsonPatch(doc, [op]), KustomizeError, JSON.stringify(op));
    }
  });
});
