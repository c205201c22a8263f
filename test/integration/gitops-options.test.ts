import * as assert from 'node:assert/strict';
import { getDeployment, type DeploymentRef } from '../../src/gitops/deploymentApi.js';
import { runRequest } from '../../src/gitops/manualRequests.js';
import { buildOverridesPatch, type RequestOptions } from '../../src/extension/overridesPatch.js';
import { readCommandResult, readValidateResult } from '../../src/gitops/maskedResults.js';
import { getObject } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeClient } from '../../src/kube/client.js';
import { runKluctl } from '../harness/kluctl.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment } from './helpers/gitopsProject.js';

/** A project with a declared arg (`color`, default blue) and two tagged items: `app` and `extra`. */
function optionsProject(namespace: string): Record<string, string> {
  const cm = (name: string, data: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n${data}`;
  return {
    '.kluctl.yaml': `discriminator: test-${namespace}\nargs:\n  - name: color\n    default: blue\n`,
    'deployment.yaml':
      'deployments:\n  - path: namespaces\n  - barrier: true\n  - path: app\n    tags: [app]\n  - path: extra\n    tags: [extra]\n',
    'namespaces/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
    'app/cm.yaml': cm('colored', '  color: "{{ args.color }}"\n'),
    'extra/cm.yaml': cm('extra', '  x: "1"\n'),
  };
}

describe('GitOps request options reach the real kluctl-controller @integration', function () {
  this.timeout(600_000);
  let client: KubeClient;
  let kubeconfig: string;
  let ref: DeploymentRef;

  async function configMap(name: string): Promise<Record<string, string> | undefined> {
    const cm = await getObject(client, new ResourceMapper(client), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ref.namespace,
      name,
    });
    return cm?.data as Record<string, string> | undefined;
  }

  /** A deploy request with the options, built from the deployment as it is now, as the extension does. */
  async function deployWith(options: RequestOptions) {
    const kd = await getDeployment(client, ref);
    const overridesPatch = buildOverridesPatch(kd, options);
    const outcome = await runRequest(client, ref, 'deploy', { overridesPatch });
    assert.equal(outcome.commandError, '', outcome.commandError);
    return { outcome, overridesPatch, result: await readCommandResult(client, outcome.resultId) };
  }

  before(async () => {
    const [cluster, git] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    client = cluster.client();
    kubeconfig = cluster.kubeconfig;
    ref = { namespace: uniqueName('options'), name: 'app' };
    const repo = uniqueName('options-repo');
    await git.pushTree(repo, { files: optionsProject(ref.namespace) }, 'initial');
    // Suspended: only the requests of this test deploy.
    await createDeployment(client, git, repo, ref, { suspend: true });
  });

  it('a dry-run deploy changes nothing in the cluster, and its result says dry run', async () => {
    const { overridesPatch, result } = await deployWith({ dryRun: true });
    assert.deepEqual(overridesPatch, { spec: { dryRun: true } });
    assert.equal(result.command?.dryRun, true, 'the stored result is a dry run');
    assert.deepEqual(result.overridesPatch, overridesPatch, 'the controller recorded our patch');
    assert.deepEqual(
      (result.objects ?? [])
        .filter((o) => o.new)
        .map((o) => o.ref.name)
        .filter((n) => n !== ref.namespace)
        .sort(),
      ['colored', 'extra'],
      'it would create both',
    );
    assert.equal(await configMap('colored'), undefined, 'nothing was created');
    assert.equal(await configMap('extra'), undefined);
  });

  it('an arg override changes the rendered object; a tag exclusion leaves its item out', async () => {
    const { overridesPatch, result } = await deployWith({ args: ['color=red'], excludeTags: ['extra'] });
    assert.deepEqual(overridesPatch, { spec: { args: { color: 'red' }, excludeTags: ['extra'] } });
    assert.deepEqual(await configMap('colored'), { color: 'red' }, 'the arg reached the rendering');
    assert.equal(await configMap('extra'), undefined, 'the excluded item was not deployed');
    assert.ok(!(result.objects ?? []).some((o) => o.ref.name === 'extra'), 'nor is it in the result');
    assert.equal((await getDeployment(client, ref)).spec.args, undefined, 'the override was for this request only');
  });

  it('without options the same deployment deploys its own args and every item again', async () => {
    await deployWith({});
    assert.deepEqual(await configMap('colored'), { color: 'blue' });
    assert.deepEqual(await configMap('extra'), { x: '1' });
  });

  it('an include tag and an arg reach a diff (only the included item shows); validate runs with the include', async () => {
    const kd = await getDeployment(client, ref);
    const outcome = await runRequest(client, ref, 'diff', {
      overridesPatch: buildOverridesPatch(kd, { includeTags: ['app'], args: ['color=green'] }),
    });
    const diff = await readCommandResult(client, outcome.resultId);
    const changed = (diff.objects ?? []).filter((o) => o.changes?.length).map((o) => o.ref.name);
    assert.deepEqual(changed, ['colored']);
    assert.deepEqual(await configMap('colored'), { color: 'blue' }, 'a diff changes nothing');
    const validate = await runRequest(client, ref, 'validate', {
      overridesPatch: buildOverridesPatch(kd, { includeTags: ['app'] }),
    });
    assert.equal((await readValidateResult(client, validate.resultId)).ready, true);
  });

  it('builds the same overridesPatch as the real kluctl CLI for the same flags', async () => {
    const options: RequestOptions = {
      dryRun: true,
      noWait: true,
      args: ['color=cli', 'nested.level=3'],
      excludeTags: ['extra'],
      includeDeploymentDirs: ['app'],
      fixedImages: ['nginx:web=nginx:1.27'],
      targetNameOverride: 'renamed',
    };
    const before = await getDeployment(client, ref);
    const run = await runKluctl(
      [
        'gitops',
        'deploy',
        '--namespace',
        ref.namespace,
        '--name',
        ref.name,
        '--dry-run',
        '--no-wait',
        '-a',
        'color=cli',
        '-a',
        'nested.level=3',
        '-E',
        'extra',
        '--include-deployment-dir',
        'app',
        '-F',
        'nginx:web=nginx:1.27',
        '-T',
        'renamed',
      ],
      // Not a Git checkout: kluctl then adds no source override of its own.
      { kubeconfig, cwd: scratchDir(), timeoutMs: 300_000 },
    );
    const after = await getDeployment(client, ref);
    const sent = after.status?.deployRequestResult?.request;
    assert.ok(
      sent && sent.requestValue !== before.status?.deployRequestResult?.request.requestValue,
      `kluctl sent a deploy request (exit ${run.code}): ${run.stderr.slice(-2000)}`,
    );
    assert.deepEqual(sent.overridesPatch, buildOverridesPatch(before, options));
  });
});
