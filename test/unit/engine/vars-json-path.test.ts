import * as assert from 'node:assert/strict';
import { getJsonPath, objectAtPath } from '../../../src/engine/vars/json-path.js';

describe('engine vars: JSONPath (ojg syntax through the uo toolkit)', () => {
  const doc = { items: [{ data: { vars: 'a: 1', 'with-dash': 2 } }, { data: { vars: 'b: 2' } }], top: 't' };

  it('children, indexes, quoted keys, wildcards and descent', () => {
    assert.deepEqual(getJsonPath(doc, '$.items[0].data.vars'), ['a: 1']);
    assert.deepEqual(getJsonPath(doc, 'items[-1].data.vars'), ['b: 2']);
    assert.deepEqual(getJsonPath(doc, "$.items[0].data['with-dash']"), [2]);
    assert.deepEqual(getJsonPath(doc, '$.items[0]["data"].vars'), ['a: 1']);
    assert.deepEqual(getJsonPath(doc, '$.items[*].data.vars'), ['a: 1', 'b: 2']);
    assert.deepEqual(getJsonPath(doc, 'items.*.data.vars'), ['a: 1', 'b: 2']);
    assert.deepEqual(getJsonPath(doc, '$..vars'), ['a: 1', 'b: 2']);
    assert.deepEqual(getJsonPath(doc, '$'), [doc]);
    assert.deepEqual(getJsonPath(doc, '$.missing.x'), []);
  });

  it('filters, slices and unions, as kluctl accepts them (the uo toolkit parses every path)', () => {
    assert.deepEqual(getJsonPath(doc, "$.items[?(@.data.vars == 'b: 2')].data.vars"), ['b: 2']);
    assert.deepEqual(getJsonPath(doc, '$.items[0:1].data.vars'), ['a: 1']);
    assert.deepEqual(getJsonPath(doc, "$.items[0].data['vars','with-dash']"), ['a: 1', 2]);
    assert.throws(() => getJsonPath(doc, '$.items[(@.length-1)]'), /^Error: invalid JSONPath \$\.items\[\(@/);
    assert.throws(() => objectAtPath('a[?(@.x)]', 1), /only keys can be set/);
  });

  it('targetPath builds a fresh object and accepts keys only', () => {
    assert.deepEqual(objectAtPath('a.b', 1), { a: { b: 1 } });
    assert.deepEqual(objectAtPath("$.a['x.y']", [1]), { a: { 'x.y': [1] } });
    assert.throws(() => objectAtPath('a[0]', 1), /only keys can be set/);
  });
});
