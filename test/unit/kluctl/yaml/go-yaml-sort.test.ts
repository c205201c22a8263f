import * as assert from 'node:assert/strict';
import { compareKeys, sortKeys } from '../../../../src/kluctl/yaml/go-yaml.js';

describe('kluctl/yaml/go-yaml: sortKeys', () => {
  it('orders keys as Array.prototype.sort with go-yaml key order does, sorted input or not', () => {
    // Digits (go-yaml compares runs of digits as numbers, leading zeros included), letters, punctuation, non-ASCII.
    const parts = ['a', 'b', 'A', '0', '1', '01', '10', '2', '-', '_', '.', 'é', 'ß', '\u{1F600}', 'x9', 'x09', ''];
    let seed = 5;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) % n;
    let alreadySorted = 0;
    for (let i = 0; i < 20_000; i++) {
      const keys = new Set<string>();
      const n = rnd(8);
      while (keys.size < n) keys.add(Array.from({ length: 1 + rnd(3) }, () => parts[rnd(parts.length)]).join(''));
      let list = [...keys];
      // Half of the lists are given in order already (the case sortKeys leaves as it is).
      if (rnd(2) === 0) list = [...list].sort(compareKeys);
      const expected = [...list].sort(compareKeys);
      if (list.every((k, j) => k === expected[j])) alreadySorted++;
      assert.deepEqual(sortKeys([...list]), expected, JSON.stringify(list));
    }
    assert.ok(alreadySorted > 5_000 && alreadySorted < 15_000, String(alreadySorted));
  });
});
