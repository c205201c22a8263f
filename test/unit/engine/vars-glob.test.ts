import * as assert from 'node:assert/strict';
import { globToRegExp } from '../../../src/engine/vars/glob.js';

describe('engine vars: gitFiles globs (gobwas/glob with / as separator)', () => {
  const matches = (glob: string, paths: string[]) => paths.filter((p) => globToRegExp(glob).test(p));
  const paths = ['a.yaml', 'b.yml', 'dir/a.yaml', 'dir/sub/c.yaml', 'x.json', '.hidden.yaml'];

  it('`*` and `?` stay within one segment, `**` crosses segments', () => {
    assert.deepEqual(matches('*.yaml', paths), ['a.yaml', '.hidden.yaml']);
    assert.deepEqual(matches('dir/*.yaml', paths), ['dir/a.yaml']);
    assert.deepEqual(matches('**.yaml', paths), ['a.yaml', 'dir/a.yaml', 'dir/sub/c.yaml', '.hidden.yaml']);
    assert.deepEqual(matches('**/*.yaml', paths), ['dir/a.yaml', 'dir/sub/c.yaml']);
    assert.deepEqual(matches('?.yml', paths), ['b.yml']);
  });

  it('classes, alternatives and escapes', () => {
    assert.deepEqual(matches('[ab].y*ml', paths), ['a.yaml', 'b.yml']);
    assert.deepEqual(matches('[!a].yml', paths), ['b.yml']);
    assert.deepEqual(matches('{*.json,dir/{sub/*,a}.yaml}', paths), ['dir/a.yaml', 'dir/sub/c.yaml', 'x.json']);
    assert.equal(globToRegExp('a\\*b').test('a*b'), true);
    assert.equal(globToRegExp('a\\*b').test('axb'), false);
    assert.throws(() => globToRegExp('{a,b'), /invalid glob \{a,b: unclosed \{/);
  });
});
