import * as assert from 'node:assert/strict';
import { parseLabelSelector } from '../../../../src/engine/kustomize/label-selector.js';

describe('engine/kustomize: label selectors of patch targets', () => {
  it('supports equality, inequality, set and existence requirements', () => {
    const labels = { app: 'web', tier: 'backend', env: 'prod' };
    const matches = (s: string): boolean => parseLabelSelector(s)(labels);
    assert.ok(matches(''));
    assert.ok(matches('app=web,tier==backend'));
    assert.ok(!matches('app!=web'));
    assert.ok(matches('missing!=x'));
    assert.ok(matches('env in (prod, staging)'));
    assert.ok(!matches('env notin (prod)'));
    assert.ok(matches('app,!missing'));
    assert.ok(!matches('!app'));
  });
});
