import * as assert from 'node:assert/strict';
import { toPython } from '../../../../src/engine/template/context.js';

/** Vars become Python dicts with their keys in code point order (Go's JSON encoder sorts map keys so). */
describe('engine/template: vars as template values', () => {
  const byCodePoints = (a: string, b: string): number => {
    const x = Array.from(a, (c) => c.codePointAt(0)!);
    const y = Array.from(b, (c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  const alphabet = ['a', 'B', '0', '_', 'é', '\u00ff', '\u4e2d', '\ue000', '\uffee', '😀', '\ud83d\ude00', '𝑊'];

  it('keys in code point order, with and without units from U+D800 up, for plain objects and Maps', () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const ascii = round % 2 === 0;
      const keys = new Set<string>();
      for (let i = 0; i < 12; i++) {
        let k = '';
        for (let j = 0; j < 1 + Math.floor(rnd() * 3); j++)
          k += alphabet[Math.floor(rnd() * (ascii ? 4 : alphabet.length))];
        keys.add(k);
      }
      const obj = Object.fromEntries([...keys].map((k, i) => [k, i]));
      const expected = [...keys].sort(byCodePoints);
      assert.deepEqual([...(toPython(obj) as Map<string, unknown>).keys()], expected, JSON.stringify([...keys]));
      assert.deepEqual([...(toPython(new Map(Object.entries(obj))) as Map<string, unknown>).keys()], expected);
    }
  });

  it('leaves out undefined values, keeps a __proto__ key as data, converts nested values', () => {
    const obj = JSON.parse('{"b": 1, "__proto__": {"x": [1.5, "s"]}, "a": null}') as Record<string, unknown>;
    obj.u = undefined;
    const py = toPython(obj as never) as Map<string, unknown>;
    assert.deepEqual([...py.keys()], ['__proto__', 'a', 'b']);
    assert.equal(py.get('b'), 1n);
    assert.deepEqual([...(py.get('__proto__') as Map<string, unknown>).entries()], [['x', [1.5, 's']]]);
  });
});
