import * as assert from 'node:assert/strict';
import { TreeObservations } from '../../../../src/engine/render/tree-observations.js';

/** What a build's recorded reads become for RenderCache: the first read of each path, and whether all were local. */
describe('engine/render/tree-observations', () => {
  const DIR = '/render/root/item';

  it('keeps the first read of each path per operation, without the reads of paths the build had written', () => {
    const o = new TreeObservations(DIR);
    o.read('k', `${DIR}/kustomization.yaml`, 'undefined');
    o.write(`${DIR}/kustomization.yaml`, Buffer.from('resources: []\n'));
    o.read('k', `${DIR}/kustomization.yaml`, 'file');
    o.read('r', `${DIR}/kustomization.yaml`, Buffer.from('resources: []\n'));
    o.read('r', `${DIR}/a.yaml`, Buffer.from('first'));
    o.read('r', `${DIR}/a.yaml`, Buffer.from('second'));
    o.read('p', `${DIR}/a.yaml`, `${DIR}/a.yaml`);
    const seen = o.seen();
    assert.deepEqual([...seen.k], [[`${DIR}/kustomization.yaml`, 'undefined']], 'read before the write');
    assert.deepEqual(
      [...seen.r].map(([p, v]) => [p, v.toString()]),
      [[`${DIR}/a.yaml`, 'first']],
    );
    assert.deepEqual([...seen.p], [[`${DIR}/a.yaml`, `${DIR}/a.yaml`]]);
    assert.equal(seen.d.size, 0);
    assert.equal(o.seen(), seen, 'folded once');
    assert.deepEqual(
      o.writes.map(([p, b]) => [p, b.toString()]),
      [[`${DIR}/kustomization.yaml`, 'resources: []\n']],
    );
    assert.ok(o.written.has(`${DIR}/kustomization.yaml`));
  });

  it('is local while every read is at or below its dir, or the realpath or kind of a dir above it', () => {
    const local = new TreeObservations(DIR);
    for (const [op, p] of [
      ['r', `${DIR}/a.yaml`],
      ['d', DIR],
      ['k', '/render/root'],
      ['p', '/render'],
      ['p', '/'],
      ['r', `${DIR}/..x/a.yaml`],
    ] as const)
      local.read(op, p, 'v');
    assert.equal(local.local, true);

    for (const [op, p] of [
      ['d', '/render/root'],
      ['r', '/render/root/base/a.yaml'],
      ['k', '/render/root/item-2'],
      ['r', `${DIR}-2/a.yaml`],
    ] as const) {
      const o = new TreeObservations(DIR);
      o.read('r', `${DIR}/a.yaml`, 'v');
      o.read(op, p, 'v');
      assert.equal(o.local, false, `${op} ${p}`);
    }
  });
});
