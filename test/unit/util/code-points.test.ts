import * as assert from 'node:assert/strict';
import { codePointLength } from '../../../src/util/code-points.js';

describe('util/code-points: codePointLength', () => {
  it('counts as Array.from does: pairs once, lone surrogates once each', () => {
    const units = ['a', 'é', '\u{1F600}', '\uD83D', '\uDE00', '\u2028', ''];
    let seed = 3;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) % n;
    for (let i = 0; i < 5_000; i++) {
      const s = Array.from({ length: rnd(12) }, () => units[rnd(units.length)]).join('');
      assert.equal(codePointLength(s), Array.from(s).length, JSON.stringify(s));
    }
  });
});
