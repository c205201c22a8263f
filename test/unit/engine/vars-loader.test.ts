import * as assert from 'node:assert/strict';
import { GitRepoCache } from '../../../src/engine/git/repo-cache.js';
import type { VarsSource } from '../../../src/engine/project/types.js';
import { loadVarsList } from '../../../src/engine/vars/vars-loader.js';

describe('engine vars: the common steps of every source', () => {
  const ctx = { gitCache: new GitRepoCache('/nonexistent'), env: { HOME_X: '/home/x', FLAG: 'true' } };
  const load = (sources: VarsSource[], vars = {}) => loadVarsList(ctx, vars, sources, [], '/p/deployment.yml');

  it('renders the source first, then checks when, then merges (noOverride keeps existing values)', async () => {
    const vars = await load([
      { values: { a: 1, n: { x: 1 } } },
      { values: { b: '{{ a + 1 }}' } },
      { values: { a: 99 }, when: 'a == 2' },
      { values: { a: 5, n: { y: 2 } }, noOverride: true },
      { values: { list: [1] }, targetPath: 'deep.er' },
    ]);
    assert.deepEqual(vars, { a: 1, n: { x: 1, y: 2 }, b: '2', deep: { er: { list: [1] } } });
  });

  it('systemEnvVars: YAML values, defaults, ignoreMissing', async () => {
    assert.deepEqual(
      await load([
        {
          systemEnvVars: { h: 'HOME_X', f: 'FLAG', d: 'NOPE:7', e: 'NOPE:', nested: { m: 'NOPE' } },
          ignoreMissing: true,
        },
      ]),
      { h: '/home/x', f: true, d: 7, e: '' },
    );
    await assert.rejects(
      load([{ systemEnvVars: { m: 'NOPE' } }]),
      /vars source systemEnvVars: environment variable NOPE not found for m/,
    );
  });

  it('rejects zero or several types, and names unsupported cloud sources', async () => {
    await assert.rejects(load([{ when: 'true' }]), /\/p\/deployment\.yml: unknown vars source type/);
    await assert.rejects(load([{ values: {}, file: 'x' }]), /more then one vars source type: values, file/);
    await assert.rejects(
      load([{ vault: { address: 'a', path: 'p' } }]),
      /\/p\/deployment\.yml: vars source vault: this vars source is not supported by kluctl-ts \(it needs cloud credentials; use the kluctl CLI\)/,
    );
    await assert.rejects(
      load([{ git: { url: 'http://x/y.git' } as never }]),
      /vars source git http:\/\/x\/y\.git path undefined: git\.path is required/,
    );
  });
});
