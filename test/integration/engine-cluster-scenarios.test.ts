import * as assert from 'node:assert/strict';
import {
  deleteProject,
  deployProject,
  diffProject,
  pruneProject,
  validateProject,
} from '../../src/engine/cluster/commands.js';
import type { CommandResult, ResultObject } from '../../src/kluctl/resultTypes.js';
import { readCommandResult, readCommandResultDiffs } from '../../src/gitops/maskedResults.js';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { getObject, serverSideApply } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeObject } from '../../src/kube/objects.js';
import { parse } from 'yaml';
import { tempTree, writeFiles } from '../harness/files.js';
import { runKluctl } from '../harness/kluctl.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';
import type { TestCluster } from '../harness/cluster.js';

/**
 * Ports of kluctl's e2e scenarios that need only an apiserver (spec §11.1): hooks order, readiness, CRDs with a
 * barrier, deleteObjects, prune/skip-delete/unmanaged objects, ignore-diff, diff-name, dry-run, delete, validate,
 * and the errors of an unreachable cluster and an RBAC-restricted user. kluctl's own readiness tests use ConfigMaps
 * with `kluctl.io/is-ready` (ported as they are); the shared cluster also has kube-controller-manager, kube-scheduler
 * and kwok's simulated nodes, so workload readiness is tested on real Deployments without that annotation.
 */

const cm = (name: string, data: Record<string, string> = { k: 'v' }, annotations: Record<string, string> = {}) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    ...(Object.keys(annotations).length
      ? ['  annotations:', ...Object.entries(annotations).map(([k, v]) => `    ${k}: "${v}"`)]
      : []),
    'data:',
    ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`),
    '',
  ].join('\n');

describe('engine: kluctl e2e scenarios on a real apiserver', function () {
  this.timeout(300_000);
  let cluster: TestCluster;
  let client: ReturnType<typeof clientForContext>;
  let mapper: ResourceMapper;

  before(async () => {
    cluster = await sharedCluster();
    client = clientForContext(loadKubeConfig(cluster.kubeconfig), cluster.context);
    mapper = new ResourceMapper(client);
  });

  /** A project whose items all deploy into a fresh namespace (created here, so nothing deletes namespaces). */
  async function newProject(
    files: Record<string, string>,
    deployment: string,
  ): Promise<{ dir: string; ns: string; base: { projectDir: string; kubeconfig: string; args: string[] } }> {
    const ns = uniqueName('e2e');
    await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { fieldManager: 'test' },
    );
    const dir = tempTree('e2e-', {
      '.kluctl.yaml': 'discriminator: "e2e-{{ args.ns }}"\nargs:\n  - name: ns\n',
      'deployment.yaml': `overrideNamespace: "{{ args.ns }}"\n${deployment}`,
      ...files,
    });
    return { dir, ns, base: { projectDir: dir, kubeconfig: cluster.kubeconfig, args: [`ns=${ns}`] } };
  }

  const get = (ns: string, name: string, kind = 'ConfigMap', apiVersion = 'v1') =>
    getObject(client, mapper, { apiVersion, kind, name, namespace: ns });
  const names = (r: CommandResult, f: (o: ResultObject) => boolean | undefined) =>
    (r.objects ?? [])
      .filter(f)
      .map((o) => o.ref.name)
      .sort();

  it('hooks: pre-deploy(-initial) by weight, then objects, then post-deploy; upgrades run the -upgrade hooks', async () => {
    const hook = (name: string, hooks: string, weight = '0') =>
      cm(name, { k: 'v' }, { 'kluctl.io/hook': hooks, 'kluctl.io/hook-weight': weight });
    const { ns, base } = await newProject(
      {
        'item/plain.yaml': cm('plain'),
        'item/pre-b.yaml': hook('pre-b', 'pre-deploy', '2'),
        'item/pre-a.yaml': hook('pre-a', 'pre-deploy', '1'),
        'item/pre-initial.yaml': hook('pre-initial', 'pre-deploy-initial', '3'),
        'item/pre-upgrade.yaml': hook('pre-upgrade', 'pre-deploy-upgrade'),
        'item/post.yaml': hook('post', 'post-deploy'),
        'item/kustomization.yaml':
          'resources: [plain.yaml, pre-b.yaml, pre-a.yaml, pre-initial.yaml, pre-upgrade.yaml, post.yaml]\n',
      },
      'deployments:\n  - path: item\n',
    );
    const order = async (list: string[]) => {
      const rv = await Promise.all(
        list.map(async (n) => [n, Number((await get(ns, n))?.metadata.resourceVersion ?? -1)] as const),
      );
      return rv
        .filter(([, v]) => v >= 0)
        .sort((a, b) => a[1] - b[1])
        .map(([n]) => n);
    };
    const all = ['plain', 'pre-a', 'pre-b', 'pre-initial', 'pre-upgrade', 'post'];
    const first = await deployProject(base);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.deepEqual(await order(all), ['pre-a', 'pre-b', 'pre-initial', 'plain', 'post']);
    assert.deepEqual(
      names(first, (o) => o.hook),
      ['post', 'pre-a', 'pre-b', 'pre-initial'],
    );

    const before = Object.fromEntries(
      await Promise.all(all.map(async (n) => [n, (await get(ns, n))?.metadata.resourceVersion] as const)),
    );
    const second = await deployProject(base);
    assert.equal(second.errors, undefined);
    const touched = (
      await Promise.all(all.map(async (n) => [n, (await get(ns, n))?.metadata.resourceVersion] as const))
    )
      .filter(([n, v]) => v !== before[n])
      .map(([n]) => n);
    assert.deepEqual(
      await order(touched),
      ['pre-upgrade', 'pre-a', 'pre-b', 'post'],
      'hooks are re-created (before-hook-creation) by weight; the initial hook does not run again',
    );
  });

  it('readiness: waitReadiness times out naming the object; is-ready true passes', async () => {
    const { ns, base } = await newProject(
      {
        'slow/cm.yaml': cm('slow', {}, { 'kluctl.io/is-ready': 'false' }),
        'fast/cm.yaml': cm('fast', {}, { 'kluctl.io/is-ready': 'true' }),
      },
      'deployments:\n  - path: fast\n    waitReadiness: true\n  - path: slow\n    waitReadiness: true\n',
    );
    const r = await deployProject({ ...base, readinessTimeoutMs: 1500 });
    assert.deepEqual(
      r.errors?.map((e) => e.message),
      [`timed out while waiting for readiness of ${ns}/ConfigMap/slow`],
    );
    const noWait = await deployProject({ ...base, noWait: true });
    assert.equal(noWait.errors, undefined);
  });

  it('readiness without shortcuts: waits for a Deployment kwok makes Ready, times out on one no node can take', async () => {
    const workload = (name: string, nodeSelector: Record<string, string> = {}) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { nodeSelector, containers: [{ name, image: 'registry.invalid/app:1' }] },
          },
        },
      }) + '\n';
    const { ns, base } = await newProject(
      { 'ready/d.yaml': workload('ready'), 'stuck/d.yaml': workload('stuck', { 'example.invalid/no-node': 'true' }) },
      'deployments:\n  - path: ready\n    waitReadiness: true\n  - path: stuck\n    waitReadiness: true\n',
    );
    const r = await deployProject({ ...base, readinessTimeoutMs: 20_000 });
    assert.deepEqual(
      r.errors?.map((e) => e.message),
      [`timed out while waiting for readiness of ${ns}/Deployment/stuck`],
    );
    // The first item's wait ended because its Pods became Ready, not because the deploy moved on.
    const ready = (await get(ns, 'ready', 'Deployment', 'apps/v1')) as { status?: { readyReplicas?: number } };
    assert.equal(ready.status?.readyReplicas, 2);
  });

  it("CRDs: a CRD and its CRs across a barrier deploy; a dry-run diff simulates the CR with kluctl's warning", async () => {
    const group = `${uniqueName('g')}.example.com`;
    const crd = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      `  name: crontabs.${group}`,
      'spec:',
      `  group: ${group}`,
      '  scope: Namespaced',
      '  names: {plural: crontabs, singular: crontab, kind: CronTab}',
      '  versions:',
      '    - name: v1',
      '      served: true',
      '      storage: true',
      '      schema:',
      '        openAPIV3Schema:',
      '          type: object',
      '          properties:',
      '            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}',
      '',
    ].join('\n');
    const cr = `apiVersion: ${group}/v1\nkind: CronTab\nmetadata:\n  name: tab\nspec:\n  cron: "* * * * *"\n`;
    const { ns, base } = await newProject(
      { 'crd/crd.yaml': crd, 'cr/cr.yaml': cr },
      'deployments:\n  - path: crd\n  - barrier: true\n  - path: cr\n',
    );
    const diff = await diffProject(base);
    assert.deepEqual(
      diff.warnings?.map((w) => w.message).filter((m) => !/deprecated/.test(m)),
      [
        `the underyling custom resource definition for ${ns}/CronTab/tab has not been applied yet as Kluctl is running in dry-run mode. It is not guaranteed that the object will actually sucessfully apply`,
      ],
    );
    assert.equal(diff.errors, undefined);
    const deployed = await deployProject(base);
    assert.equal(deployed.errors, undefined, JSON.stringify(deployed.errors));
    assert.ok(await get(ns, 'tab', 'CronTab', `${group}/v1`));
  });

  it('deleteObjects and kluctl.io/delete remove objects; dry-run deploys change nothing', async () => {
    const { ns, base, dir } = await newProject(
      { 'a/cm.yaml': cm('keep') + '---\n' + cm('doomed') + '---\n' + cm('marked') },
      'deployments:\n  - path: a\n',
    );
    assert.equal((await deployProject(base)).errors, undefined);
    writeFiles(dir, {
      'a/cm.yaml': cm('keep', { k: 'changed' }) + '---\n' + cm('marked', {}, { 'kluctl.io/delete': 'true' }),
      'deployment.yaml': `overrideNamespace: "{{ args.ns }}"\ndeployments:\n  - path: a\n  - deleteObjects:\n      - kind: ConfigMap\n        name: doomed\n        namespace: ${ns}\n`,
    });
    const dry = await deployProject({ ...base, dryRun: true });
    assert.equal(dry.errors, undefined, JSON.stringify(dry.errors));
    assert.equal(
      ((await get(ns, 'keep')) as KubeObject & { data: Record<string, string> }).data.k,
      'v',
      'dry-run changed nothing',
    );
    assert.ok(await get(ns, 'doomed'));
    const real = await deployProject(base);
    assert.equal(real.errors, undefined, JSON.stringify(real.errors));
    assert.deepEqual(
      names(real, (o) => o.deleted),
      ['doomed', 'marked'],
    );
    assert.equal(await get(ns, 'doomed'), undefined);
    assert.equal(await get(ns, 'marked'), undefined);
  });

  it('prune: skip-delete and objects kluctl does not manage are never orphans; delete removes the rest', async () => {
    const { ns, base, dir } = await newProject(
      {
        'a/cm.yaml':
          cm('kept') + '---\n' + cm('orphan') + '---\n' + cm('protected', {}, { 'kluctl.io/skip-delete': 'true' }),
      },
      'deployments:\n  - path: a\n',
    );
    assert.equal((await deployProject(base)).errors, undefined);
    // An object with the discriminator label that another tool wrote: not kluctl's, so never deleted.
    await serverSideApply(
      client,
      mapper,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'foreign', namespace: ns, labels: { 'kluctl.io/discriminator': `e2e-${ns}` } },
      },
      { fieldManager: 'someone-else' },
    );
    writeFiles(dir, { 'a/cm.yaml': cm('kept') });
    const diff = await diffProject(base);
    assert.deepEqual(
      names(diff, (o) => o.orphan),
      ['orphan'],
    );
    const pruned = await pruneProject({ ...base });
    assert.deepEqual(
      names(pruned, (o) => o.deleted),
      ['orphan'],
    );
    assert.ok(await get(ns, 'protected'));
    assert.ok(await get(ns, 'foreign'));
    const deleted = await deleteProject({ ...base });
    assert.equal(deleted.errors, undefined);
    assert.deepEqual(
      names(deleted, (o) => o.deleted),
      ['kept'],
    );
    assert.ok(await get(ns, 'protected'), 'skip-delete survives delete too');
  });

  it('ignore-diff annotations and ignoreForDiff hide changes; diff-name compares against the old name', async () => {
    const { base, dir } = await newProject(
      {
        'a/cm.yaml':
          cm('quiet', { k: 'v' }, { 'kluctl.io/ignore-diff': 'true' }) +
          '---\n' +
          cm('partly', { k: 'v', other: 'x' }) +
          '---\n' +
          cm('renamed-1', { k: 'v' }, { 'kluctl.io/diff-name': 'renamed' }),
      },
      'deployments:\n  - path: a\nignoreForDiff:\n  - kind: ConfigMap\n    name: partly\n    fieldPath: data.other\n',
    );
    assert.equal((await deployProject(base)).errors, undefined);
    writeFiles(dir, {
      'a/cm.yaml':
        cm('quiet', { k: 'changed' }, { 'kluctl.io/ignore-diff': 'true' }) +
        '---\n' +
        cm('partly', { k: 'v', other: 'y' }) +
        '---\n' +
        cm('renamed-2', { k: 'w' }, { 'kluctl.io/diff-name': 'renamed' }),
    });
    const diff = await diffProject(base);
    assert.equal(diff.errors, undefined);
    const changed = (diff.objects ?? []).filter((o) => o.changes?.length);
    assert.deepEqual(
      changed.map((o) => o.ref.name),
      ['renamed'],
    );
    // Kluctl writes one-character keys in brackets (its identifier pattern needs two characters).
    assert.deepEqual(changed[0].changes!.map((c) => c.jsonPath).sort(), ['data["k"]', 'metadata.name']);
  });

  it('validate: ready objects pass; a missing object and a not-ready one are errors', async () => {
    const { ns, base, dir } = await newProject({ 'a/cm.yaml': cm('fine') }, 'deployments:\n  - path: a\n');
    assert.equal((await deployProject(base)).errors, undefined);
    assert.deepEqual(await validateProject(base).then((v) => [v.ready, v.errors]), [true, undefined]);
    writeFiles(dir, { 'a/cm.yaml': cm('fine', {}, { 'kluctl.io/is-ready': 'false' }) + '---\n' + cm('missing') });
    await deployProject({ ...base, noWait: true, inclusion: {} }).then(() =>
      client.requestJson({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/configmaps/missing` }),
    );
    const v = await validateProject(base);
    assert.equal(v.ready, false);
    assert.deepEqual(v.errors?.map((e) => `${e.ref.name}: ${e.message}`).sort(), [
      'fine: kluctl.io/is-ready annotation is set to false',
      'missing: object not found',
    ]);
  });

  it("conflicts: a field another manager took is left to it with kluctl's warning (same as the real kluctl); --force-apply takes it back", async () => {
    const { ns, base, dir } = await newProject(
      { 'a/cm.yaml': cm('shared', { a: '1', b: '1' }) },
      'deployments:\n  - path: a\n',
    );
    assert.equal((await deployProject(base)).errors, undefined);
    await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: ns }, data: { a: '2' } },
      { fieldManager: 'other-tool', force: true },
    );
    writeFiles(dir, { 'a/cm.yaml': cm('shared', { a: '3', b: '3' }) });

    const real = await runKluctl(['deploy', '--yes', '-a', `ns=${ns}`, '-o', 'yaml'], {
      kubeconfig: cluster.kubeconfig,
      cwd: dir,
    });
    assert.equal(real.code, 0, real.stderr);
    const theirs = ((parse(real.stdout) as CommandResult).warnings ?? [])
      .map((w) => w.message)
      .filter((m) => !/deprecated/.test(m));
    const ours = await deployProject(base);
    const mine = (ours.warnings ?? []).map((w) => w.message).filter((m) => !/deprecated/.test(m));
    assert.deepEqual(
      mine,
      theirs,
      JSON.stringify({
        errors: ours.errors,
        warnings: ours.warnings,
        objects: ours.objects?.map((o) => [o.ref.name, o.changes]),
      }),
    );
    assert.match(
      mine.join('\n'),
      /conflict with "other-tool".*\. Not updating field '\.data\.a' as we lost field ownership/,
    );
    const data = () => get(ns, 'shared').then((o) => (o as KubeObject & { data: Record<string, string> }).data);
    assert.deepEqual(await data(), { a: '2', b: '3' }, 'b is ours and updated, a stays with its new owner');

    const forced = await deployProject({ ...base, forceApply: true });
    assert.equal(forced.errors, undefined);
    assert.deepEqual(await data(), { a: '3', b: '3' });
  });

  it("inclusion and discriminator: -I deploys and prunes only the tagged items; --discriminator overrides the target's", async () => {
    const { ns, base, dir } = await newProject(
      {
        'front/cm.yaml': cm('front') + '---\n' + cm('front-old'),
        'back/cm.yaml': cm('back') + '---\n' + cm('back-old'),
      },
      'deployments:\n  - path: front\n    tags: [front]\n  - path: back\n    tags: [back]\n',
    );
    const onlyFront = await deployProject({ ...base, inclusion: { includeTags: ['front'] } });
    assert.deepEqual(
      names(onlyFront, (o) => o.new),
      ['front', 'front-old'],
    );
    assert.equal(await get(ns, 'back'), undefined, 'the excluded item is not deployed');
    assert.equal((await deployProject(base)).errors, undefined);
    writeFiles(dir, { 'front/cm.yaml': cm('front'), 'back/cm.yaml': cm('back') });
    const pruned = await pruneProject({ ...base, inclusion: { includeTags: ['back'] } });
    assert.deepEqual(
      names(pruned, (o) => o.deleted),
      ['back-old'],
      'only orphans of the included item go',
    );
    assert.ok(await get(ns, 'front-old'));
    const other = await diffProject({ ...base, discriminator: `other-${ns}` });
    assert.deepEqual(
      names(other, (o) => o.orphan),
      [],
      'objects of another discriminator are never orphans',
    );
    assert.equal((await get(ns, 'front'))?.metadata.labels?.['kluctl.io/discriminator'], `e2e-${ns}`);
  });

  it('cancellation midway: the command stops starting items, reports what was applied and the cancellation', async () => {
    const items = Array.from({ length: 24 }, (_, i) => i);
    const files = Object.fromEntries(
      items.map((i) => [`item-${i}/cm.yaml`, cm(`cm-${i}`, {}, { 'kluctl.io/is-ready': 'false' })]),
    );
    const { base } = await newProject(
      files,
      `deployments:\n${items.map((i) => `  - path: item-${i}\n    waitReadiness: true\n`).join('')}`,
    );
    const controller = new AbortController();
    const r = await deployProject({
      ...base,
      signal: controller.signal,
      progress: (m) => /Waiting for .* to get ready/.test(m) && controller.abort(),
    });
    const applied = (r.objects ?? []).filter((o) => o.applied).length;
    assert.ok(applied > 0 && applied < items.length, `some but not all objects were applied (${applied})`);
    assert.ok(
      r.errors?.some((e) => /cancel/i.test(e.message)),
      JSON.stringify(r.errors),
    );
  });

  it("a user who may not list cluster-wide deploys into its namespace, with kluctl's permission warning", async () => {
    const { ns, base } = await newProject({ 'a/cm.yaml': cm('mine') }, 'deployments:\n  - path: a\n');
    const user = uniqueName('deployer');
    const rbac = (o: Record<string, unknown>) =>
      serverSideApply(client, mapper, o as KubeObject, { fieldManager: 'test' });
    await rbac({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: user },
      rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }],
    });
    await rbac({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
      subjects: [{ kind: 'User', name: user }],
    });
    await rbac({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: user, namespace: ns },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }],
    });
    await rbac({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: user, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user },
      subjects: [{ kind: 'User', name: user }],
    });
    // Such a user may not write results to kluctl-results either; kluctl's --write-command-result=false.
    const r = await deployProject({ ...base, kubeconfig: cluster.userKubeconfig(user), writeResult: false });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.ok(
      r.warnings?.some((w) =>
        /permission error was encountered while gathering objects by discriminator labels/.test(w.message),
      ),
      JSON.stringify(r.warnings),
    );
    assert.ok(await get(ns, 'mine'));
  });

  it('stores deploy results in kluctl-results like kluctl: readable as controller results, the newest 5 per target kept', async () => {
    const { base, dir } = await newProject({ 'a/cm.yaml': cm('stored', { k: 'v0' }) }, 'deployments:\n  - path: a\n');
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) {
      writeFiles(dir, { 'a/cm.yaml': cm('stored', { k: `v${i}` }) });
      const r = await deployProject(base);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      ids.push(r.id);
    }
    const { result, diffs } = await readCommandResultDiffs(client, ids[5]);
    assert.equal(result.command?.command, 'deploy');
    assert.deepEqual(
      result.objects?.map((o) => [o.ref.name, o.changes?.map((c) => c.jsonPath)]),
      [['stored', ['data["k"]']]],
    );
    assert.match(diffs[0].right ?? '', /k: v6/, 'the compacted manifests decode');
    await assert.rejects(readCommandResult(client, ids[0]), /not found|no .*result/i, 'the oldest of six is removed');
    assert.ok(await readCommandResult(client, ids[1]));
    const dry = await deployProject({ ...base, dryRun: true });
    await assert.rejects(readCommandResult(client, dry.id), /not found|no .*result/i, 'dry-run results are not stored');
  });

  it('replace-on-error: an immutable ConfigMap change fails like in kluctl; --force-replace-on-error re-creates it, unless skip-delete', async () => {
    const frozen = (v: string, annotations: Record<string, string> = {}) =>
      cm('frozen', { k: v }, annotations) + 'immutable: true\n';
    const { ns, base, dir } = await newProject({ 'a/cm.yaml': frozen('v1') }, 'deployments:\n  - path: a\n');
    assert.equal((await deployProject(base)).errors, undefined);
    writeFiles(dir, { 'a/cm.yaml': frozen('v2') });

    const real = await runKluctl(['deploy', '--yes', '-a', `ns=${ns}`, '-o', 'yaml'], {
      kubeconfig: cluster.kubeconfig,
      cwd: dir,
    });
    const theirs = ((parse(real.stdout) as CommandResult).errors ?? []).map((e) => e.message);
    const plain = await deployProject(base);
    assert.deepEqual(
      plain.errors?.map((e) => e.message),
      theirs,
      'the same error as kluctl',
    );
    assert.match(theirs.join('\n'), /immutable/);

    const replace = await deployProject({ ...base, replaceOnError: true });
    assert.ok(
      replace.warnings?.some(
        (w) => w.message === `patching ${ns}/ConfigMap/frozen failed, retrying with replace instead of patch`,
      ),
    );
    assert.ok(replace.errors?.length, 'a replace cannot change an immutable ConfigMap either');

    const forced = await deployProject({ ...base, forceReplaceOnError: true });
    assert.equal(forced.errors, undefined, JSON.stringify(forced.errors));
    assert.ok(
      forced.warnings?.some(
        (w) => w.message === `patching ${ns}/ConfigMap/frozen failed, retrying by deleting and re-applying`,
      ),
    );
    assert.equal(((await get(ns, 'frozen')) as KubeObject & { data: Record<string, string> }).data.k, 'v2');

    writeFiles(dir, { 'a/cm.yaml': frozen('v3', { 'kluctl.io/skip-delete': 'true' }) });
    const kept = await deployProject({ ...base, forceReplaceOnError: true });
    assert.ok(kept.errors?.length, 'skip-delete forbids the delete-and-re-create');
    assert.equal(((await get(ns, 'frozen')) as KubeObject & { data: Record<string, string> }).data.k, 'v2');
  });

  it('hook delete policies: hook-succeeded removes a ready hook, hook-failed a failed one, hook-wait false does not wait', async () => {
    const hook = (name: string, annotations: Record<string, string>) =>
      cm(name, {}, { 'kluctl.io/hook': 'post-deploy', ...annotations });
    const { ns, base } = await newProject(
      {
        'a/ok.yaml': hook('ok', { 'kluctl.io/hook-delete-policy': 'hook-succeeded', 'kluctl.io/is-ready': 'true' }),
        'a/bad.yaml': hook('bad', {
          'kluctl.io/hook-delete-policy': 'hook-failed',
          'kluctl.io/is-ready': 'false',
          'kluctl.io/hook-timeout': '1s',
        }),
        'a/nowait.yaml': hook('nowait', { 'kluctl.io/hook-wait': 'false', 'kluctl.io/is-ready': 'false' }),
        'a/plain.yaml': cm('plain'),
        'a/kustomization.yaml': 'resources: [plain.yaml, ok.yaml, bad.yaml, nowait.yaml]\n',
      },
      'deployments:\n  - path: a\n',
    );
    const r = await deployProject(base);
    assert.deepEqual(
      r.errors?.map((e) => e.message),
      [`timed out while waiting for readiness of ${ns}/ConfigMap/bad`],
    );
    assert.equal(await get(ns, 'ok'), undefined, 'hook-succeeded: deleted after it became ready');
    assert.equal(await get(ns, 'bad'), undefined, 'hook-failed: deleted after it failed');
    assert.ok(await get(ns, 'nowait'), 'hook-wait false: applied, not waited for, kept (before-hook-creation)');
    assert.deepEqual(
      names(r, (o) => o.hook),
      ['bad', 'nowait', 'ok'],
    );
  });

  it('an unreachable cluster and an RBAC-denied user give clear errors and change nothing', async () => {
    const { base } = await newProject({ 'a/cm.yaml': cm('x') }, 'deployments:\n  - path: a\n');
    const dead = tempTree('dead-kubeconfig-', {
      config:
        'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    });
    await assert.rejects(
      deployProject({ ...base, kubeconfig: `${dead}/config` }),
      /127\.0\.0\.1:1.*(ECONNREFUSED|cannot reach)|cannot reach https:\/\/127\.0\.0\.1:1/,
    );

    const restricted = cluster.userKubeconfig(uniqueName('nobody'));
    const r = await deployProject({ ...base, kubeconfig: restricted }).catch((e: Error) => e);
    const text = r instanceof Error ? r.message : JSON.stringify(r.errors);
    assert.match(text, /forbidden/i, 'the API server says forbidden');
    assert.match(text, /nobody/, 'naming the user');
  });
});
