import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isInside } from '../../../src/engine/project/paths.js';

/** What isInside answered before its prefix fast path: path.relative alone. */
function byRelative(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

describe('engine/project/paths: isInside', () => {
  it('answers as path.relative does for 50,000 generated pairs (dot segments, `..`-named dirs, slashes, prefixes)', () => {
    const plain = ['a', 'ab', 'b', '..b', '...', 'a b', '.hidden'];
    const odd = ['.', '..', ''];
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const segments = (): string => {
      const segs = Array.from({ length: 1 + rnd(3) }, () => (rnd(10) ? plain[rnd(plain.length)] : odd[rnd(3)]));
      return segs.join('/') + (rnd(10) === 0 ? '/' : '');
    };
    const gen = (): string => (rnd(10) === 0 ? segments() : rnd(20) === 0 ? '/' : `/${segments()}`);
    // Below the root, a sibling sharing its prefix (`/a` and `/ab`, `/a/..b`), or anywhere.
    const near = (root: string): string => [`${root}/${segments()}`, `${root}${segments()}`, gen()][rnd(3)];
    let inside = 0;
    for (let i = 0; i < 50_000; i++) {
      const root = gen();
      const p = near(root);
      const expected = byRelative(root, p);
      if (expected) inside++;
      assert.equal(isInside(root, p), expected, `isInside(${JSON.stringify(root)}, ${JSON.stringify(p)})`);
    }
    assert.ok(inside > 5_000 && inside < 45_000, `${inside} inside`);
  });
});
