import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isAtOrBelow, isInside } from '../../../src/engine/project/paths.js';

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

describe('engine/project/paths: isAtOrBelow', () => {
  it('answers as a comparison of path components does, for normalized absolute paths', () => {
    const names = ['a', 'ab', 'b', '..b', '...', 'a b'];
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      // The high bits: an LCG's low bits repeat with a short period.
      return (seed >>> 16) % n;
    };
    const gen = (): string[] => Array.from({ length: rnd(4) }, () => names[rnd(names.length)]);
    const abs = (parts: string[]) => `/${parts.join('/')}`;
    let below = 0;
    for (let i = 0; i < 20_000; i++) {
      const dir = gen();
      // Below dir, a sibling sharing its prefix (`/a` and `/ab`), or anywhere.
      const p = [[...dir, ...gen()], [...dir.slice(0, -1), `${dir.at(-1) ?? ''}${names[rnd(names.length)]}`], gen()][
        rnd(3)
      ].filter((x) => x !== '');
      const expected = dir.every((x, k) => p[k] === x) && p.length >= dir.length;
      if (expected) below++;
      assert.equal(isAtOrBelow(abs(dir), abs(p)), expected, `isAtOrBelow(${abs(dir)}, ${abs(p)})`);
    }
    assert.ok(below > 4_000 && below < 16_000, `${below} below`);
  });
});
