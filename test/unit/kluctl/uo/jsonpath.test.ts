import * as assert from 'node:assert/strict';
import { deletePaths, listMatchingFields } from '../../../../src/kluctl/uo/jsonpath.js';
import { parseJsonPath } from '../../../../src/kluctl/uo/jsonpath-parse.js';
import { toJsonPath } from '../../../../src/kluctl/uo/key-path.js';
import { removeFieldsByPathRegex } from '../../../../src/kluctl/uo/nested-fields.js';
import { compileGoRegexp } from '../../../../src/util/go-regexp.js';

const sample = () => ({
  spec: {
    containers: [
      { name: 'c1', image: 'i1', env: [{ name: 'A', value: '1' }] },
      { name: 'c2', image: 'i2', args: ['a', 'b', 'c'] },
    ],
  },
  webhooks: [{ name: 'w1', cc: { ca: 'abc' } }, { name: 'w2', cc: { ca: 'def' } }, 'str'],
  data: { d1: 'v', 'a.b': 'v2', x: { x: 1 } },
});

const located = (path: string) => listMatchingFields(path, sample()).map(toJsonPath).sort();

/** The sample after deleting `path`, as a patch of the parts that changed. */
function afterDelete(path: string) {
  const o = sample();
  deletePaths(path, o);
  return o;
}

describe('engine diff: KeyPath.ToJsonPath', () => {
  it('dots identifiers of 2+ characters, brackets the rest', () => {
    assert.equal(toJsonPath(['data', 'd1']), 'data.d1');
    assert.equal(toJsonPath(['data', 'a']), 'data["a"]');
    assert.equal(toJsonPath(['metadata', 'labels', 'kluctl.io/tag-0']), 'metadata.labels["kluctl.io/tag-0"]');
    assert.equal(toJsonPath(['a', 'b_c', 0, 'x']), '$["a"].b_c[0]["x"]');
    assert.equal(toJsonPath(['q"', "k'"]), `$['q"']["k'"]`);
    assert.equal(toJsonPath([0, 'ab']), '[0].ab');
    assert.equal(toJsonPath([]), '');
  });
});

describe('engine diff: JSONPath (ojg subset)', () => {
  it('locates children, indexes, wildcards, unions and slices', () => {
    assert.deepEqual(located('spec.containers[0].image'), ['spec.containers[0].image']);
    assert.deepEqual(located('spec.containers[*].image'), ['spec.containers[0].image', 'spec.containers[1].image']);
    assert.deepEqual(located('spec.containers[-1].args[1]'), ['spec.containers[1].args[1]']);
    assert.deepEqual(located('spec.containers[5].image'), []);
    assert.deepEqual(located('webhooks.*.cc.ca'), ['webhooks[0].cc.ca', 'webhooks[1].cc.ca']);
    assert.deepEqual(located("data['a.b', 'd1']"), ['data.d1', 'data["a.b"]']);
    assert.deepEqual(located('data[ "d1" ]'), ['data.d1']);
    assert.deepEqual(located('spec.containers[1].args[0:2]'), [
      'spec.containers[1].args[0]',
      'spec.containers[1].args[1]',
    ]);
    assert.deepEqual(located('webhooks[2:0:-1].name'), ['webhooks[1].name']);
  });

  it('descends with ..', () => {
    assert.deepEqual(located('..ca'), ['webhooks[0].cc.ca', 'webhooks[1].cc.ca']);
    assert.deepEqual(located('..x'), ['data["x"]', 'data["x"]["x"]']);
    assert.ok(located('..').includes(''), '`..` includes the root itself');
  });

  it('filters', () => {
    assert.deepEqual(located("spec.containers[?(@.name=='c1')].image"), ['spec.containers[0].image']);
    assert.deepEqual(located('spec.containers[?(@.name == "c2")].args[0]'), ['spec.containers[1].args[0]']);
    assert.deepEqual(located('spec.containers[?(@.env)].name'), ['spec.containers[0].name']);
    assert.deepEqual(located('spec.containers[?(!@.env)].name'), ['spec.containers[1].name']);
    assert.deepEqual(located("webhooks[?(@.name=='w2' || @.name=='w1')].name"), [
      'webhooks[0].name',
      'webhooks[1].name',
    ]);
    assert.deepEqual(located('webhooks[?(@.cc.ca =~ /^a/)].name'), ['webhooks[0].name']);
    assert.deepEqual(located("spec.containers[?(@.name in ['c1','c3'])].image"), ['spec.containers[0].image']);
    assert.deepEqual(located("data[?(@ == 'v')]"), ['data.d1']);
  });

  it('rejects what ojg rejects, and `$` paths when listing fields', () => {
    assert.throws(() => parseJsonPath('metadata.labels.my-label'), /parse error at 19/);
    assert.throws(() => parseJsonPath("data.'d1'"), /can not start with a '''/);
    assert.throws(() => parseJsonPath('data[d1]'), /parse error/);
    assert.throws(() => located('$.data.d1'), /unsupported element in jsonpath: type=Root/);
    assert.deepEqual(parseJsonPath('a$'), [{ kind: 'child', key: 'a' }]);
  });

  it('deletes map entries and nulls list elements', () => {
    const o = afterDelete('spec.containers[*].image');
    assert.deepEqual(
      o.spec.containers.map((c) => 'image' in c),
      [false, false],
    );
    assert.deepEqual(afterDelete('spec.containers[0]').spec.containers[0], null);
    assert.deepEqual(afterDelete('spec.containers[1].args[*]').spec.containers[1].args, [null, null, null]);
    assert.deepEqual(afterDelete('spec.containers[-1].args[-1]').spec.containers[1].args, ['a', 'b', null]);
    assert.deepEqual(afterDelete('webhooks.*.cc.ca').webhooks, [{ name: 'w1', cc: {} }, { name: 'w2', cc: {} }, 'str']);
    assert.deepEqual(afterDelete('..ca').webhooks, [{ name: 'w1', cc: {} }, { name: 'w2', cc: {} }, 'str']);
    assert.deepEqual(afterDelete("data['a.b','d1']").data, { x: { x: 1 } });
    assert.deepEqual(afterDelete('$.data.d1').data, { 'a.b': 'v2', x: { x: 1 } });
    assert.deepEqual(afterDelete("spec.containers[?(@.name=='c2')].image").spec.containers[1], {
      name: 'c2',
      args: ['a', 'b', 'c'],
    });
    assert.deepEqual(afterDelete('spec..name').spec.containers[0], { image: 'i1', env: [{ value: '1' }] });
  });

  it("deletes through a slice with its end included (ojg's Del)", () => {
    assert.deepEqual(
      afterDelete('spec.containers[0:1].name').spec.containers.map((c) => c.name),
      [undefined, undefined],
    );
  });

  it('fails on a scalar mid-path or an index out of bounds', () => {
    assert.throws(() => afterDelete('data.d1.x'), /can not follow a string at 'data.d1'/);
    assert.throws(
      () => afterDelete('spec.containers[5].image'),
      /can not follow out of bounds array index at 'spec.containers\[5\]'/,
    );
    assert.throws(() => afterDelete('spec..'), /ending with a Descent/);
  });
});

describe('engine diff: RemoveFieldsByPathRegex', () => {
  it('removes matching leaves (unanchored)', () => {
    const o = { metadata: { labels: { l1: 'v1', l2: 'l2', good: 'keep' } } };
    removeFieldsByPathRegex(o, compileGoRegexp('metadata\\.labels\\.l.*'));
    assert.deepEqual(o, { metadata: { labels: { good: 'keep' } } });
    const p = { metadata: { labels: { Abc: '1', good: 'keep' } } };
    removeFieldsByPathRegex(p, compileGoRegexp('(?i)LABELS\\.abc'));
    assert.deepEqual(p, { metadata: { labels: { good: 'keep' } } });
  });

  it('splices list elements one after the other, so indexes shift (as Kluctl does)', () => {
    const o = { spec: { args: ['a', 'b', 'c', 'd'] } };
    removeFieldsByPathRegex(o, compileGoRegexp('args\\[[0-2]\\]'));
    assert.deepEqual(o, { spec: { args: ['b', 'd'] } });
    const nested = {
      lst: [
        [1, 2],
        [3, [4, 5]],
      ],
    };
    assert.throws(() => removeFieldsByPathRegex(nested, compileGoRegexp('lst')), /index out of bounds/);
  });
});
