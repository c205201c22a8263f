import * as assert from 'node:assert/strict';
import { MemTree, type MemNode } from '../../../../src/engine/render/mem-tree.js';

/**
 * MemTree.changedNear, what the RenderCache's quick check of a reused build relies on: the tree at a dir holds only
 * what one restore() there put, unless something was written, linked, removed, created or restored near it.
 */
describe('engine/render/mem-tree: changedNear', () => {
  const ROOT = '/render';
  const files = (entries: Record<string, string>): MemNode => ({
    type: 'dir',
    children: new Map(Object.entries(entries).map(([k, v]) => [k, { type: 'file', data: Buffer.from(v) }])),
  });
  const restored = () => {
    const tree = new MemTree(ROOT);
    tree.restore('/render/src/a', files({ 'x.yaml': 'a' }));
    tree.restore('/render/src/b', files({ 'y.yaml': 'b' }));
    return tree;
  };

  it('restores alone change nothing; a write, link or removal counts at, below and above it', () => {
    const tree = restored();
    assert.equal(tree.changedNear('/render/src/a'), false);
    assert.equal(tree.changedNear('/render/src/b'), false);
    assert.equal(tree.readFile('/render/src/a/x.yaml').toString(), 'a');

    tree.writeFile('/render/src/a/kustomization.yaml', 'resources: []\n');
    assert.equal(tree.changedNear('/render/src/a'), true, 'below');
    assert.equal(tree.changedNear('/render/src/b'), false, 'a sibling');
    assert.equal(tree.changedNear('/render/src'), true, 'above the write');

    const linked = restored();
    linked.symlink('../b', '/render/src/a/link');
    assert.equal(linked.changedNear('/render/src/a'), true);

    const removed = restored();
    removed.remove('/render/src');
    assert.equal(removed.changedNear('/render/src/b'), true, 'an ancestor removed');
    const written = restored();
    written.writeFile('/render/src/b/y.yaml', 'changed');
    assert.equal(written.changedNear('/render/src/b'), true, 'at a restored file');
  });

  it('a directory created counts at and above it only; a restore elsewhere counts above and below it', () => {
    const tree = restored();
    tree.mkdir('/render/src/a/empty');
    assert.equal(tree.changedNear('/render/src/a'), true);
    assert.equal(tree.changedNear('/render/src/b'), false, 'a new dir is empty: nothing in b changed');

    const nested = restored();
    nested.restore('/render/src/b/sub', files({ 'z.yaml': 'z' }));
    assert.equal(nested.changedNear('/render/src/b'), true, 'another item restored inside b');
    assert.equal(nested.changedNear('/render/src/b/sub'), true, 'b restored around it');
    assert.equal(nested.changedNear('/render/src/a'), false);
  });

  it('writes made while restoring are not changes, writes after it are', () => {
    const tree = new MemTree(ROOT);
    tree.restore('/render/src/a', files({ 'x.yaml': 'a' }));
    assert.equal(tree.changedNear('/render/src/a'), false);
    tree.overlay('/render/src/a', files({ 'x.yaml': 'other' }));
    assert.equal(tree.changedNear('/render/src/a'), true, 'an overlay that is not a restore is a change');
  });

  it('restoreWith: what it writes at or below its path is a restore there, a write elsewhere a change', () => {
    const tree = new MemTree(ROOT);
    tree.restoreWith('/render/src/a', () => {
      tree.mkdir('/render/src/a/sub');
      tree.writeFile('/render/src/a/sub/x.yaml', 'a');
    });
    assert.equal(tree.changedNear('/render/src/a'), false, 'a render there is not a change there');
    assert.equal(tree.changedNear('/render/src/a/sub'), true, 'a restore above it');
    assert.equal(tree.changedNear('/render/src'), true, 'a restore below it');

    const elsewhere = new MemTree(ROOT);
    elsewhere.restoreWith('/render/src/a', () => elsewhere.writeFile('/render/src/b/y.yaml', 'b'));
    assert.equal(elsewhere.changedNear('/render/src/b'), true, 'written outside the restored path');
    assert.equal(elsewhere.changedNear('/render/src/a'), false);
    // A name starting with the restored one is not below it.
    const sibling = new MemTree(ROOT);
    sibling.restoreWith('/render/src/a', () => sibling.writeFile('/render/src/ab/z.yaml', 'z'));
    assert.equal(sibling.changedNear('/render/src/ab'), true);
  });
});
