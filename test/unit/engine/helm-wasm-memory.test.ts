import * as assert from 'node:assert/strict';
import { withMemoryLimit } from '../../../src/engine/helm/helm-wasm.js';

interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object) => { exports: { memory: { grow(pages: number): number } } };
}
const WA = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

// A module with one exported memory of 1 page and no maximum, as Go's wasm linker emits it.
const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65,
  0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
]);

describe('helm-wasm: the memory cap patched into the module', () => {
  it('without the patch memory grows freely; with it, growing past the maximum fails', () => {
    const free = new WA.Instance(new WA.Module(MODULE)).exports.memory;
    assert.equal(free.grow(10), 1);
    const capped = new WA.Instance(new WA.Module(withMemoryLimit(MODULE, 4))).exports.memory;
    assert.equal(capped.grow(3), 1);
    assert.throws(() => capped.grow(1), RangeError);
  });

  it('leaves a module without a memory section alone', () => {
    const empty = MODULE.subarray(0, 8);
    assert.equal(withMemoryLimit(empty, 4), empty);
  });
});
