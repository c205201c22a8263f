import * as assert from 'node:assert/strict';
import { createMergePatch } from '../../../src/gitops/mergePatch.js';
import { buildManualRequest } from '../../../src/gitops/requests.js';
import {
  buildOverridesPatch,
  checkArg,
  describeOptions,
  optionsFor,
  parseFixedImage,
} from '../../../src/extension/overridesPatch.js';
import { kluctlDeployment } from './kdFixtures.js';

/**
 * Expected patches follow kluctl's buildOverridePatch (cmd/kluctl/commands/cmd_gitops.go, v2.28.2) by hand: the
 * flag is applied to a copy of the KluctlDeployment and CreateMergePatch(json(original), json(copy)) is sent.
 * test/integration/gitops-options.test.ts compares with the patches the real kluctl CLI sends.
 */
describe('gitops/requestOptions', () => {
  describe('createMergePatch (evanphx CreateMergePatch)', () => {
    it('nulls removed keys, recurses into objects, replaces arrays whole, sorts keys, omits unchanged parts', () => {
      assert.deepEqual(
        createMergePatch(
          { a: 1, b: { c: 1, d: [1, 2] }, e: 'x', same: { deep: true } },
          { b: { c: 1, d: [1, 2, 3] }, e: 'y', f: { z: 1, a: 2 }, same: { deep: true } },
        ),
        { a: null, b: { d: [1, 2, 3] }, e: 'y', f: { a: 2, z: 1 } },
      );
      assert.equal(JSON.stringify(createMergePatch({}, { z: 1, a: { y: 1, b: 2 } })), '{"a":{"b":2,"y":1},"z":1}');
      assert.deepEqual(createMergePatch({ a: [1] }, { a: [1] }), {});
    });
  });

  describe('buildOverridesPatch', () => {
    const kd = kluctlDeployment({
      spec: { prune: true, dryRun: undefined, excludeTags: ['slow'], args: { env: 'prod', nested: { a: 1, b: 2 } } },
    });

    it('is undefined when nothing is chosen, so the request carries no overridesPatch', () => {
      assert.equal(buildOverridesPatch(kd, {}), undefined);
      assert.equal(buildManualRequest('v', buildOverridesPatch(kd, {})), '{"requestValue":"v"}');
    });

    it('writes a boolean only when it is chosen and differs; false removes it (omitempty), as null', () => {
      assert.deepEqual(buildOverridesPatch(kd, { dryRun: true }), { spec: { dryRun: true } });
      assert.deepEqual(buildOverridesPatch(kd, { prune: false }), { spec: { prune: null } });
      assert.equal(buildOverridesPatch(kd, { prune: true }), undefined, 'already true: no change');
      assert.equal(buildOverridesPatch(kd, { dryRun: false }), undefined, 'already absent: no change');
      assert.deepEqual(
        buildOverridesPatch(kd, {
          forceApply: true,
          replaceOnError: true,
          forceReplaceOnError: true,
          abortOnError: true,
          noWait: true,
        }),
        {
          spec: { abortOnError: true, forceApply: true, forceReplaceOnError: true, noWait: true, replaceOnError: true },
        },
      );
    });

    it('sets target, target name override and context only when non-empty', () => {
      assert.deepEqual(buildOverridesPatch(kd, { target: 'prod', targetNameOverride: '', targetContext: 'kind-x' }), {
        spec: { target: 'prod', context: 'kind-x' },
      });
      assert.equal(buildOverridesPatch(kd, { target: 'simple' }), undefined, 'the same target changes nothing');
    });

    it('appends tags and deployment dirs (each new value once) and sends the whole list', () => {
      assert.deepEqual(
        buildOverridesPatch(kd, {
          excludeTags: ['db', 'db'],
          includeTags: ['web'],
          includeDeploymentDirs: ['apps\\web'],
        }),
        { spec: { excludeTags: ['slow', 'db'], includeTags: ['web'], includeDeploymentDirs: ['apps/web'] } },
      );
      assert.throws(() => buildOverridesPatch(kd, { excludeDeploymentDirs: ['/abs'] }), /must be relative: \/abs/);
    });

    it('appends fixed images parsed like -F', () => {
      const withImage = kluctlDeployment({ spec: { images: [{ image: 'a', resultImage: 'a:1' }] } });
      assert.deepEqual(buildOverridesPatch(withImage, { fixedImages: ['nginx:web:deploy/x:main=nginx:1.27'] }), {
        spec: {
          images: [
            { image: 'a', resultImage: 'a:1' },
            { container: 'main', deployment: 'deploy/x', image: 'nginx', namespace: 'web', resultImage: 'nginx:1.27' },
          ],
        },
      });
    });

    it('deep-merges args over spec.args, so the patch holds only the changed keys', () => {
      assert.deepEqual(buildOverridesPatch(kd, { args: ['nested.b=3', 'count=5', 'flag=true', 'name="007"'] }), {
        spec: { args: { count: 5, flag: true, name: '007', nested: { b: 3 } } },
      });
      const noArgs = kluctlDeployment();
      assert.deepEqual(buildOverridesPatch(noArgs, { args: ['a.b=x', 'a.b=z'] }), {
        spec: { args: { a: { b: 'z' } } },
      });
      assert.throws(() => buildOverridesPatch(noArgs, { args: ['x=@/etc/passwd'] }), /from a file is not supported/);
      assert.throws(() => buildOverridesPatch(noArgs, { args: ['no-equals'] }), /invalid --arg argument/);
    });

    it('adds source overrides to the ones the deployment has', () => {
      const override = { repoKey: 'git://h/r', url: 'grpc+source-override://10.0.0.1:8082/abc' };
      assert.deepEqual(buildOverridesPatch(kd, { dryRun: true }, [override]), {
        spec: { dryRun: true, sourceOverrides: [override] },
      });
    });
  });

  describe('fixed images, args, flags', () => {
    it('parses -F like kluctl, rejecting what it rejects', () => {
      assert.deepEqual(parseFixedImage('nginx=nginx:1'), { image: 'nginx', resultImage: 'nginx:1' });
      assert.throws(() => parseFixedImage('nginx'), /image<:namespace:deployment:container>=result/);
      assert.throws(() => parseFixedImage('a:b:c:d:e=x'), /image<:namespace/);
      assert.throws(() => parseFixedImage('a=b=c'), /image<:namespace/);
    });

    it('checks args against the declared ones: syntax errors block, unknown names warn', () => {
      const declared = [{ name: 'env' }, { name: 'db.size', default: 'S' }];
      assert.equal(checkArg('env=prod', declared), undefined);
      assert.equal(checkArg('db.size=L', declared), undefined);
      assert.equal(checkArg('db={size: L}', declared), undefined);
      assert.equal(checkArg('other=1', undefined), undefined);
      assert.equal(checkArg('other=1', declared)?.severity, 'warning');
      assert.match(checkArg('other=1', declared)!.message, /declares env, db\.size/);
      assert.equal(checkArg('bad name=1', declared)?.severity, 'error');
      assert.equal(checkArg('x=[unclosed', declared)?.severity, 'error');
    });

    it('offers no-wait and prune only for deploy and reconcile, and describes the options as flags', () => {
      assert.ok(optionsFor('deploy').includes('prune') && optionsFor('reconcile').includes('noWait'));
      assert.ok(!optionsFor('diff').includes('prune') && !optionsFor('validate').includes('noWait'));
      assert.deepEqual(describeOptions({ dryRun: true, prune: false, excludeTags: ['x'], args: ['a=1'] }), [
        '--dry-run',
        '--prune=false',
        '-a a=1',
        '-E x',
      ]);
    });
  });
});
