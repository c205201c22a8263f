import * as assert from 'node:assert/strict';
import { matchRefs, parseLsRemote, resolveRef } from '../../../src/engine/git/refs.js';

describe('engine vars: git refs as Kluctl resolves them', () => {
  const info = parseLsRemote(
    'u',
    [
      'ref: refs/heads/main\tHEAD',
      'c1\tHEAD',
      'c1\trefs/heads/main',
      'c2\trefs/heads/feature',
      'c3\trefs/heads/same',
      't1\trefs/tags/same',
      'c4\trefs/tags/same^{}',
      'c5\trefs/tags/v1.0',
      'c6\trefs/pull/1/head',
    ].join('\n'),
  );

  it('reads the default branch, and peels annotated tags', () => {
    assert.equal(info.defaultRef, 'refs/heads/main');
    assert.deepEqual(
      [...info.refs],
      [
        ['refs/heads/main', 'c1'],
        ['refs/heads/feature', 'c2'],
        ['refs/heads/same', 'c3'],
        ['refs/tags/same', 'c4'],
        ['refs/tags/v1.0', 'c5'],
      ],
    );
  });

  it('resolves includes and git vars refs: default, branch, tag, commit, legacy string (branch first)', () => {
    assert.deepEqual(resolveRef(info, undefined), { refName: 'refs/heads/main', commit: 'c1' });
    assert.equal(resolveRef(info, { tag: 'same' }).commit, 'c4');
    assert.equal(resolveRef(info, { branch: 'same' }).commit, 'c3');
    assert.equal(resolveRef(info, 'same').commit, 'c3');
    assert.equal(resolveRef(info, 'v1.0').commit, 'c5');
    assert.equal(resolveRef(info, 'refs/tags/same').commit, 'c4');
    assert.deepEqual(resolveRef(info, { commit: 'abc' }), { commit: 'abc' });
    assert.throws(() => resolveRef(info, { branch: 'nope' }), /ref refs\/heads\/nope not found/);
    assert.throws(() => resolveRef(info, { branch: 'a', tag: 'b' }), /only one of the ref fields can be set/);
    assert.throws(() => resolveRef(info, {}), /either branch, tag or commit must be set/);
  });

  it('matches gitFiles refs as anchored regexes, sorted by name', () => {
    assert.deepEqual(
      matchRefs(info, { branch: '.*a.*' }).map((r) => r.refName),
      ['refs/heads/feature', 'refs/heads/main', 'refs/heads/same'],
    );
    assert.deepEqual(matchRefs(info, { branch: 'mai' }), []);
    assert.deepEqual(matchRefs(info, { tag: 'v1\\.\\d' }), [{ refName: 'refs/tags/v1.0', commit: 'c5' }]);
    assert.deepEqual(matchRefs(info, { commit: 'c2' }), [{ refName: 'refs/heads/feature', commit: 'c2' }]);
    assert.throws(() => matchRefs(info, { tag: '(' }), /invalid tag regex specified/);
  });
});
