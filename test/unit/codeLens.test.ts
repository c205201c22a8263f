import * as assert from 'node:assert/strict';
import { findManifests } from '../../src/extension/manifestScan.js';

describe('KluctlDeployment manifests in a YAML text', () => {
  it('finds each KluctlDeployment with its offset, skipping other kinds and broken documents', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: gitops.kluctl.io/v1beta1\nkind: KluctlDeployment\nmetadata:\n  name: app\n  namespace: team\n---\n: broken: [\n---\napiVersion: gitops.kluctl.io/v1beta1\nkind: KluctlDeployment\nmetadata:\n  name: other\n';
    const found = findManifests(text);
    assert.deepEqual(
      found.map((f) => f.ref),
      [
        { namespace: 'team', name: 'app' },
        { namespace: 'default', name: 'other' },
      ],
    );
    assert.equal(text.slice(found[0].offset).split('\n')[0], 'apiVersion: gitops.kluctl.io/v1beta1');
  });
});
