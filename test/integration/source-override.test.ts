import * as assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { findLocalProject, type LocalProject } from '../../src/kluctl/localProject.js';
import { mergeSourceOverrides } from '../../src/gitops/requests.js';
import { objectRefString, summarizeObjects } from '../../src/kluctl/results.js';
import { repoKeyString } from '../../src/kluctl/repoKey.js';
import { type SourceOverride } from '../../src/kluctl/types.js';
import { buildArtifact } from '../../src/gitops/sourceOverride/artifact.js';
import { establishServerTrust, loadControllerCa } from '../../src/gitops/sourceOverride/tlsTrust.js';
import { ProxyStreamClient } from '../../src/gitops/sourceOverride/proxyStream.js';
import { SourceOverrideError } from '../../src/gitops/sourceOverride/errors.js';
import {
  startSourceOverride,
  type SourceOverrideSession,
  type StartSourceOverrideOptions,
} from '../../src/gitops/sourceOverride/session.js';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { getObject, serverSideApply } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { type KubeClient } from '../../src/kube/client.js';
import { type KubeObject } from '../../src/kube/objects.js';
import type { TestCluster } from '../harness/cluster.js';
import { gitAsync, type GitServer } from '../harness/git-server.js';
import type { KluctlController } from '../harness/kluctl.js';
import { freePort, waitUntil } from '../harness/processes.js';
import { scratchDir, sharedCluster, sharedController, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment } from './helpers/gitopsProject.js';
import { readArchive } from '../unit/gitops/sourceOverride/archive.js';
import { getDeployment, mergePatchDeployment } from '../../src/gitops/deploymentApi.js';
import { cleanupDiffResult, runRequest } from '../../src/gitops/manualRequests.js';
import { readCommandResult } from '../../src/gitops/maskedResults.js';
import { findResultSecretSelector } from '../../src/kluctl/results.js';

/**
 * The source-override protocol against the real kluctl-controller (v2.22.1) as users run it: installed in
 * kluctl-system, reached through a port-forward to its Pod (pods/portforward through the API server's node proxy
 * to kwok, which routes the Pod's port to the controller process). Uploads of an uncommitted checkout are diffed
 * and deployed by the controller, and every failure is clear and leaves no connection or listener behind. The
 * local-process setting (`localPort`, kluctl.localSourceOverridePort) keeps one test of its own.
 */
describe('source override against the real kluctl-controller @integration', function () {
  this.timeout(600_000);

  let cluster: TestCluster;
  let git: GitServer;
  let controller: KluctlController;
  let client: KubeClient;
  let mapper: ResourceMapper;
  let namespace: string;
  let local: LocalProject;
  /** A second repository the project includes, which we never override. */
  let libRepoKey: string;
  const kd = { namespace: '', name: 'app' };

  const configMapData = async (): Promise<unknown> =>
    (await getObject(client, mapper, { apiVersion: 'v1', kind: 'ConfigMap', name: 'app-config', namespace }))?.data;

  const start = (extra: Partial<StartSourceOverrideOptions> = {}): Promise<SourceOverrideSession> =>
    startSourceOverride({
      client,
      controllerNamespace: controller.controllerNamespace,
      gitRoot: local.gitRoot,
      repoKey: local.repoKey,
      ...extra,
    });

  /** The overridesPatch of a request that uses the session's upload (existing entries kept: merge patches replace arrays). */
  const overridesPatch = async (override: SourceOverride): Promise<Record<string, unknown>> => {
    const current = await getDeployment(client, kd);
    return { spec: { sourceOverrides: mergeSourceOverrides(current.spec.sourceOverrides, [override]) } };
  };

  before(async () => {
    [cluster, git, controller] = await Promise.all([sharedCluster(), sharedGitServer(), sharedController()]);
    client = cluster.client();
    mapper = new ResourceMapper(client);
    // "Starting workers" comes before the controller has generated its TLS pair (two RSA-4096 keys, seconds).
    await waitUntil(
      'the controller CA ConfigMap',
      async () =>
        (await getObject(client, mapper, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'kluctl-source-override-ca',
          namespace: controller.controllerNamespace,
        }))
          ? true
          : undefined,
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    namespace = uniqueName('so');
    kd.namespace = namespace;
    const repo = uniqueName('so-repo');
    const lib = uniqueName('so-lib');
    await git.pushTree(lib, { files: libFiles(namespace) }, 'library');
    libRepoKey = `git://127.0.0.1:${git.port}/${lib}`;
    await git.pushTree(repo, { files: projectFiles(namespace, git.url(lib)) }, 'initial project');
    await createDeployment(client, git, repo, kd, { suspend: true });
    // Suspended, it deploys nothing by itself: deploy the committed state once so diffs have a baseline.
    const initialDeploy = await runRequest(client, kd, 'deploy');
    assert.equal(initialDeploy.commandError ?? '', '', controllerLogTail());
    assert.deepEqual(await configMapData(), { color: 'blue' });
    assert.ok(
      await getObject(client, mapper, { apiVersion: 'v1', kind: 'ConfigMap', name: 'lib-config', namespace }),
      'the included library was deployed',
    );

    const cloneDir = path.join(scratchDir(), 'clones', repo);
    fs.mkdirSync(path.dirname(cloneDir), { recursive: true });
    await gitAsync(path.dirname(cloneDir), 'clone', '--quiet', git.url(repo), cloneDir);
    const configMapFile = path.join(cloneDir, 'app', 'configmap.yaml');
    fs.writeFileSync(configMapFile, fs.readFileSync(configMapFile, 'utf8').replace('"blue"', '"green"'));
    local = await findLocalProject(cloneDir);
    assert.equal(repoKeyString(local.repoKey), `git://127.0.0.1:${git.port}/${repo}`);
  });

  function controllerLogTail(): string {
    return `controller log:\n${fs.readFileSync(controller.logFile, 'utf8').split('\n').slice(-20).join('\n')}`;
  }

  it('a diff with our override shows exactly the uncommitted change, and nothing without it', async () => {
    const uploads: string[] = [];
    const auditBefore = cluster.auditEvents().length;
    const session = await start({ onUpload: (u) => uploads.push(u.repoKey) });
    try {
      assert.equal(session.sourceOverride.repoKey, repoKeyString(local.repoKey));
      const pod = await client.requestJson<{ status: { podIP: string } }>({
        path: `/api/v1/namespaces/${controller.controllerNamespace}/pods/${controller.pod!.name}`,
      });
      assert.match(
        session.sourceOverride.url,
        new RegExp(`^grpc\\+source-override://${pod.status.podIP.replace(/\./g, '\\.')}:8082/[0-9a-f]{64}$`),
      );
      // The controller's certificate pair is rejected by Node's OpenSSL (leaf and CA share one subject): verified by hand.
      assert.equal(session.trust, 'verifiedLeaf');

      const withOverride = await runRequest(client, kd, 'diff', {
        overridesPatch: await overridesPatch(session.sourceOverride),
      });
      assert.equal(withOverride.commandError ?? '', '', controllerLogTail());
      const result = await readCommandResult(client, withOverride.resultId, {
        namespace: controller.resultsNamespace,
      });
      assert.deepEqual(result.overridesPatch, await overridesPatch(session.sourceOverride));
      const objects = summarizeObjects(result);
      assert.deepEqual(
        objects.changed.map((o) => objectRefString(o.ref)),
        [`${namespace}/ConfigMap/app-config`],
      );
      assert.deepEqual(
        [objects.new, objects.deleted, objects.orphan].map((l) => l.length),
        [0, 0, 0],
      );
      const changes = objects.changed[0].changes ?? [];
      assert.deepEqual(
        changes.map((c) => [c.jsonPath, c.oldValue, c.newValue]),
        [['data.color', 'blue', 'green']],
      );
      assert.match(changes[0].unifiedDiff ?? '', /-blue\n\+green/);
      assert.deepEqual(uploads, [repoKeyString(local.repoKey)], 'one upload, reported');
      assert.equal(session.uploads.length, 1);
    } finally {
      await session.close();
    }
    assert.equal(await session.closed, undefined);
    // The path taken: a port-forward to the controller Pod, by the API server (audit log).
    const forwards = cluster
      .auditEvents()
      .slice(auditBefore)
      .filter((e) => e.objectRef?.subresource === 'portforward');
    assert.ok(forwards.length > 0, 'the upload went through pods/portforward');
    assert.deepEqual(
      [forwards[0].objectRef?.namespace, forwards[0].objectRef?.name, forwards[0].user.username],
      [controller.controllerNamespace, controller.pod!.name, 'test-admin'],
    );

    const without = await runRequest(client, kd, 'diff');
    assert.equal(without.commandError ?? '', '');
    const plain = summarizeObjects(
      await readCommandResult(client, without.resultId, { namespace: controller.resultsNamespace }),
    );
    assert.deepEqual(
      [plain.new, plain.changed, plain.deleted, plain.orphan].map((l) => l.length),
      [0, 0, 0, 0],
    );
    assert.deepEqual(await configMapData(), { color: 'blue' }, 'a diff changes nothing in the cluster');
  });

  it('the local-process setting (localPort) reaches a controller running outside the cluster directly', async () => {
    const auditBefore = cluster.auditEvents().length;
    const session = await start({ localPort: controller.sourceOverridePort });
    try {
      assert.match(
        session.sourceOverride.url,
        new RegExp(`^grpc\\+source-override://localhost:${controller.sourceOverridePort}/[0-9a-f]{64}$`),
      );
      const diff = await runRequest(client, kd, 'diff', {
        overridesPatch: await overridesPatch(session.sourceOverride),
      });
      assert.equal(diff.commandError ?? '', '', controllerLogTail());
      assert.equal(session.uploads.length, 1);
    } finally {
      await session.close();
    }
    assert.ok(
      !cluster
        .auditEvents()
        .slice(auditBefore)
        .some((e) => e.objectRef?.subresource === 'portforward'),
      'no port-forward',
    );
  });

  it("cleans up after Diff with Local Source like kluctl gitops diff: its result Secret and status.lastDiffResult go, another diff's result stays until its own cleanup", async () => {
    const resultSecrets = async (resultId: string): Promise<number> =>
      (
        await client.requestJson<{ items: unknown[] }>({
          path: `/api/v1/namespaces/${controller.resultsNamespace}/secrets`,
          query: { labelSelector: findResultSecretSelector('command', resultId) },
        })
      ).items.length;
    // Someone else's diff first; then ours, with the uncommitted checkout.
    const theirs = await runRequest(client, kd, 'diff');
    assert.ok(theirs.resultId);
    const session = await start();
    let ours;
    try {
      ours = await runRequest(client, kd, 'diff', { overridesPatch: await overridesPatch(session.sourceOverride) });
    } finally {
      await session.close();
    }
    assert.equal(ours.commandError ?? '', '', controllerLogTail());
    assert.equal(await resultSecrets(ours.resultId), 1);
    // No wait here on purpose: the controller writes status.lastDiffResult only in the status patch at the end of
    // the request's pass, after diffRequestResult says the diff has finished; the cleanups run right away, as the
    // extension's do, and must still find and clear ours (and only ours).

    // The older diff's cleanup deletes its own Secret only, and leaves the status (ours, or soon ours) alone.
    const older = await cleanupDiffResult(client, kd, theirs, { resultsNamespace: controller.resultsNamespace });
    assert.deepEqual(older, { deletedSecrets: 1, clearedStatus: false, problems: [] });
    assert.equal(await resultSecrets(ours.resultId), 1, 'our result is untouched by another cleanup');

    const done = await cleanupDiffResult(client, kd, ours, { resultsNamespace: controller.resultsNamespace });
    assert.deepEqual(done, { deletedSecrets: 1, clearedStatus: true, problems: [] });
    assert.equal(await resultSecrets(ours.resultId), 0, 'kluctl-results holds no result of our diff');
    assert.equal(await resultSecrets(theirs.resultId), 0);
    const after = await getDeployment(client, kd);
    assert.equal(after.status?.lastDiffResult, undefined, 'status.lastDiffResult is unset');
    assert.equal(after.status?.diffRequestResult?.resultId, ours.resultId, 'the request record itself stays');
    // The pass is over: its end-of-pass status patch, which wrote our summary, does not bring it back.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await getDeployment(client, kd)).status?.lastDiffResult, undefined, 'still unset');
    // Twice is harmless: nothing left to delete or clear.
    assert.deepEqual(await cleanupDiffResult(client, kd, ours, { resultsNamespace: controller.resultsNamespace }), {
      deletedSecrets: 0,
      clearedStatus: false,
      problems: [],
    });
  });

  it('answers "no override" for a repository it does not override, which the controller then clones', async () => {
    const requested: string[] = [];
    const session = await start({ onRequest: (key) => requested.push(key) });
    try {
      const both = [session.sourceOverride, { repoKey: libRepoKey, url: session.sourceOverride.url }];
      const current = await getDeployment(client, kd);
      const diff = await runRequest(client, kd, 'diff', {
        overridesPatch: { spec: { sourceOverrides: mergeSourceOverrides(current.spec.sourceOverrides, both) } },
      });
      assert.equal(diff.commandError ?? '', '', controllerLogTail());
      assert.deepEqual(requested, [repoKeyString(local.repoKey), libRepoKey], 'the controller asked for both');
      assert.deepEqual(
        session.uploads.map((u) => u.repoKey),
        [repoKeyString(local.repoKey)],
        'only ours was uploaded',
      );
      const objects = summarizeObjects(
        await readCommandResult(client, diff.resultId, { namespace: controller.resultsNamespace }),
      );
      assert.deepEqual(
        objects.changed.map((o) => objectRefString(o.ref)),
        [`${namespace}/ConfigMap/app-config`],
      );
      assert.deepEqual(
        [objects.new, objects.deleted].map((l) => l.length),
        [0, 0],
        'the library came from Git',
      );
    } finally {
      await session.close();
    }
  });

  it('a deploy with our override applies the uncommitted change, and a later pass of the suspended deployment keeps it', async () => {
    const session = await start();
    let deployResultId: string;
    try {
      const deployed = await runRequest(client, kd, 'deploy', {
        overridesPatch: await overridesPatch(session.sourceOverride),
      });
      assert.equal(deployed.commandError ?? '', '', controllerLogTail());
      deployResultId = deployed.resultId!;
      const changed = summarizeObjects(
        await readCommandResult(client, deployResultId, { namespace: controller.resultsNamespace }),
      ).changed;
      assert.deepEqual(
        changed.map((o) => objectRefString(o.ref)),
        [`${namespace}/ConfigMap/app-config`],
      );
      assert.equal(session.uploads.length, 1);
    } finally {
      await session.close();
    }
    assert.deepEqual(await configMapData(), { color: 'green' });

    // A spec change queues a regular pass; suspended, it must not deploy the Git state again.
    const patched = await mergePatchDeployment(client, kd, { spec: { interval: '6m' } }, 'edit');
    const passed = await waitUntil(
      'a reconcile pass of the changed spec',
      async () => {
        const current = await getDeployment(client, kd);
        return (current.status?.observedGeneration ?? 0) >= patched.metadata.generation! ? current : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // The log line may reach the file a moment after the status (the Pod's output is relayed through a pipe).
    await waitUntil(
      'the controller logged the pass as suspended',
      () =>
        controller
          .logLines()
          .some(
            (l) =>
              l.namespace === namespace &&
              l.name === kd.name &&
              String(l.msg).startsWith('Reconciliation is suspended'),
          )
          ? true
          : undefined,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    assert.equal(
      (passed.status?.lastDeployResult as { id?: string } | undefined)?.id,
      deployResultId,
      'no deploy after ours',
    );
    assert.deepEqual(await configMapData(), { color: 'green' }, 'the override deploy was not undone');
  });

  it('leaves a .gitignored secret out of the uploaded archive', async () => {
    fs.writeFileSync(path.join(local.gitRoot, '.gitignore'), '*.secret\n');
    fs.writeFileSync(path.join(local.gitRoot, 'db.secret'), 'password=hunter2\n');
    fs.writeFileSync(path.join(local.gitRoot, 'app', 'local.secret'), 'token=abc\n');
    try {
      const session = await start();
      try {
        const diff = await runRequest(client, kd, 'diff', {
          overridesPatch: await overridesPatch(session.sourceOverride),
        });
        assert.equal(diff.commandError ?? '', '', controllerLogTail());
      } finally {
        await session.close();
      }
      assert.equal(session.uploads.length, 1);
      // Packing is deterministic: the same tree gives the same bytes, so this is the archive that was uploaded.
      const artifact = await buildArtifact(local.gitRoot);
      assert.equal(createHash('sha256').update(artifact.data).digest('hex'), session.uploads[0].sha256);
      assert.equal(artifact.data.length, session.uploads[0].bytes);
      const entries = await readArchive(artifact.data);
      const names = entries.map((e) => e.path);
      assert.ok(!names.some((n) => n.endsWith('.secret')), `no secret in ${names.join(', ')}`);
      assert.ok(!names.some((n) => n === '.git/' || n.startsWith('.git/')), 'no .git');
      assert.ok(!entries.some((e) => e.content.includes('hunter2') || e.content.includes('token=abc')));
      assert.deepEqual(names, [
        '.gitignore',
        '.kluctl.yaml',
        'app/',
        'app/configmap.yaml',
        'deployment.yaml',
        'namespaces/',
        'namespaces/namespace.yaml',
      ]);
    } finally {
      for (const file of ['.gitignore', 'db.secret', 'app/local.secret'])
        fs.rmSync(path.join(local.gitRoot, file), { force: true });
    }
  });

  it('an oversized tree is refused with an error naming its largest files, which the request reports', async () => {
    const big = path.join(local.gitRoot, 'app', 'big.bin');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 65 * 1024 * 1024); // sparse: instant, but counted at its full size
    try {
      const failures: string[] = [];
      const session = await start({ onUploadFailed: (f) => failures.push(f.error) });
      let commandError: string;
      try {
        commandError =
          (await runRequest(client, kd, 'diff', { overridesPatch: await overridesPatch(session.sourceOverride) }))
            .commandError ?? '';
      } finally {
        await session.close();
      }
      assert.equal(session.uploads.length, 0);
      assert.equal(failures.length, 1);
      assert.match(
        failures[0],
        /its files hold 65\.0 MiB, more than the controller unpacks \(64\.0 MiB\)\. Largest files: app\/big\.bin \(65\.0 MiB\), /,
      );
      assert.ok(!failures[0].includes(local.gitRoot), 'no local path goes to the cluster');
      assert.ok(commandError.includes(failures[0]), `the controller reports our error: ${commandError}`);
    } finally {
      fs.rmSync(big, { force: true });
    }
  });

  describe('failures are clear and leave nothing open', () => {
    it('a missing CA ConfigMap (wrong controller namespace) names the ConfigMap', async () => {
      const baseline = openHandles();
      const wrongNamespace = uniqueName('no-controller');
      const error = await rejection(start({ controllerNamespace: wrongNamespace }));
      assert.equal(error.problem, 'caMissing');
      assert.match(error.message, new RegExp(`ConfigMap ${wrongNamespace}/kluctl-source-override-ca does not exist`));
      await assertNoLeftovers(baseline);
    });

    it('no controller pod (no local port, no pods) says so', async () => {
      const baseline = openHandles();
      const emptyNamespace = await namespaceWithCa(uniqueName('no-pods'));
      const error = await rejection(start({ controllerNamespace: emptyNamespace, localPort: undefined }));
      assert.equal(error.problem, 'noControllerPod');
      assert.match(
        error.message,
        new RegExp(
          `no kluctl-controller pod in namespace "${emptyNamespace}" \\(label control-plane=kluctl-controller\\)`,
        ),
      );
      await assertNoLeftovers(baseline);
    });

    it('a closed port is reported as unreachable', async () => {
      const baseline = openHandles();
      const closedPort = await freePort();
      const error = await rejection(start({ localPort: closedPort }));
      assert.equal(error.problem, 'controllerUnreachable');
      assert.match(error.message, new RegExp(`localhost:${closedPort} .*connection refused`));
      await assertNoLeftovers(baseline);
    });

    it("a controller pod whose kubelet forwards nothing to its port fails with the kubelet's port-forward error and closes its listener", async () => {
      const baseline = openHandles();
      const podNamespace = await namespaceWithCa(uniqueName('fake-pod'));
      await createReadyControllerPod(podNamespace);
      const error = await rejection(start({ controllerNamespace: podNamespace, localPort: undefined }));
      assert.equal(error.problem, 'controllerUnreachable');
      assert.match(
        error.message,
        new RegExp(
          `pod ${podNamespace}/kluctl-controller-0 port 8082 .*port-forward to pod ${podNamespace}/kluctl-controller-0 port 8082: error forwarding port 8082 to pod`,
        ),
      );
      const listenerPort = Number(/port-forward from 127\.0\.0\.1:(\d+)/.exec(error.message)?.[1]);
      assert.ok(listenerPort > 0, error.message);
      assert.equal(await canConnect(listenerPort), false, 'the port-forward listener is closed');
      await assertNoLeftovers(baseline);
    });

    it('a user who may not create pods/portforward gets an error naming the permission, and nothing stays open', async () => {
      const baseline = openHandles();
      const user = uniqueName('no-portforward');
      const ns = controller.controllerNamespace;
      // Everything else the upload needs: read the CA ConfigMap, find the controller Pod.
      await serverSideApply(
        client,
        mapper,
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: user, namespace: ns },
          rules: [
            { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
            { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
          ],
        },
        { fieldManager: 'test' },
      );
      await serverSideApply(
        client,
        mapper,
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: user, namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user },
          subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
        },
        { fieldManager: 'test' },
      );
      const userClient = clientForContext(loadKubeConfig(cluster.userKubeconfig(user)), user);
      const error = await rejection(start({ client: userClient }));
      assert.equal(error.problem, 'controllerUnreachable');
      assert.match(
        error.message,
        new RegExp(
          `port-forward to pod ${ns}/${controller.pod!.name} port 8082 failed: the API server refused it \\(403 Forbidden\\): a port-forward needs "create pods/portforward" in namespace ${ns}`,
        ),
      );
      await assertNoLeftovers(baseline);
    });

    it('a refused handshake (a second stream with the same key: "duplicate server id") is a handshake failure', async () => {
      const baseline = openHandles();
      const ca = await loadControllerCa(client, controller.controllerNamespace);
      const endpoint = `localhost:${controller.sourceOverridePort}`;
      const trust = await establishServerTrust({ host: 'localhost', port: controller.sourceOverridePort }, ca, {
        describeEndpoint: endpoint,
      });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const options = {
        target: endpoint,
        trust,
        describeEndpoint: endpoint,
        privateKey,
        resolve: () => Promise.resolve(undefined),
      };
      const first = await ProxyStreamClient.open(options);
      try {
        const error = await rejection(ProxyStreamClient.open(options));
        assert.equal(error.problem, 'handshakeFailed');
        assert.match(error.message, /handshake with localhost:\d+ failed: duplicate server id/);
      } finally {
        first.close();
      }
      assert.equal(await first.closed, undefined);
      await assertNoLeftovers(baseline);
    });

    // kwok keeps a port-forward stream open after its target died (its tunnel waits for both directions to end),
    // where a kubelet would end it with the container: so the old session is closed by us here, not by the
    // stream, and "a request fails mid-flight" is covered by the dropped-connection test below.
    it('the controller Pod deleted and replaced: the next upload goes through the new Pod', async () => {
      const ns = controller.controllerNamespace;
      const oldPod = controller.pod!.name;
      const session = await start();
      await client.requestJson({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${oldPod}` });
      await controller.followPodReplacement(client);
      await session.close();
      assert.notEqual(controller.pod!.name, oldPod, 'the ReplicaSet made a new Pod');

      const next = await start();
      try {
        assert.match(next.endpoint, new RegExp(`^pod ${ns}/${controller.pod!.name} port 8082 `));
        const diff = await runRequest(client, kd, 'diff', {
          overridesPatch: await overridesPatch(next.sourceOverride),
        });
        assert.equal(diff.commandError ?? '', '', controllerLogTail());
        assert.equal(next.uploads.length, 1);
      } finally {
        await next.close();
      }
      const forwards = cluster.auditEvents().filter((e) => e.objectRef?.subresource === 'portforward');
      assert.equal(forwards.at(-1)?.objectRef?.name, controller.pod!.name, 'the last port-forward went to the new Pod');
    });

    it('a connection dropped while the controller fetches the upload ends the session with connectionLost and fails the request', async () => {
      const baseline = openHandles();
      const proxy = await TcpProxy.start(controller.sourceOverridePort);
      try {
        let requests = 0;
        const session = await start({
          localPort: proxy.port,
          onRequest: () => {
            requests += 1;
            proxy.dropAll();
          },
        });
        const request = runRequest(client, kd, 'diff', {
          overridesPatch: await overridesPatch(session.sourceOverride),
        });
        const broken = await session.closed;
        assert.ok(broken instanceof SourceOverrideError);
        assert.equal(broken.problem, 'connectionLost');
        assert.match(
          broken.message,
          new RegExp(
            `connection to the kluctl-controller's source-override server at localhost:${proxy.port} .* was lost`,
          ),
        );
        assert.equal(requests, 1);
        const failed = await request;
        assert.match(
          failed.commandError ?? '',
          /failed to clone git source: rpc error: code = Unavailable/,
          'the controller could not get the source',
        );
        await session.close();
      } finally {
        await proxy.close();
      }
      await assertNoLeftovers(baseline);
    });
  });

  async function namespaceWithCa(name: string): Promise<string> {
    const ca = await client.requestJson<KubeObject & { data: Record<string, string> }>({
      path: `/api/v1/namespaces/${controller.controllerNamespace}/configmaps/kluctl-source-override-ca`,
    });
    await serverSideApply(
      client,
      mapper,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { fieldManager: 'test' },
    );
    await serverSideApply(
      client,
      mapper,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kluctl-source-override-ca', namespace: name },
        data: ca.data,
      },
      { fieldManager: 'test' },
    );
    return name;
  }

  /** A pod object that looks like a Ready controller; nothing runs it (the test cluster has no kubelet). */
  async function createReadyControllerPod(podNamespace: string): Promise<void> {
    const name = 'kluctl-controller-0';
    await client.requestJson({
      method: 'POST',
      path: `/api/v1/namespaces/${podNamespace}/pods`,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { 'control-plane': 'kluctl-controller' } },
        spec: {
          containers: [
            {
              name: 'controller',
              image: 'ghcr.io/kluctl/kluctl:v2.22.1',
              ports: [{ name: 'source-override', containerPort: 8082 }],
            },
          ],
        },
      },
    });
    // kube-scheduler places it on a simulated node and kwok makes it Ready; kwok forwards none of its ports.
    await waitUntil(
      `pod ${podNamespace}/${name} Ready`,
      async () => {
        const pod = await client.requestJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>({
          path: `/api/v1/namespaces/${podNamespace}/pods/${name}`,
        });
        return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
  }
});

/** A Kluctl project: a namespace, a barrier, a ConfigMap item (as in kluctl-peer.test.ts) and a Git include. */
function projectFiles(namespace: string, libUrl: string): Record<string, string> {
  return {
    '.kluctl.yaml': `discriminator: so-${namespace}\n`,
    'deployment.yaml': `deployments:\n  - path: namespaces\n  - barrier: true\n  - path: app\n  - git:\n      url: ${libUrl}\n`,
    'namespaces/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
    'app/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ${namespace}\ndata:\n  color: {{ "blue" }}\n`,
  };
}

/** The included repository: one ConfigMap. */
function libFiles(namespace: string): Record<string, string> {
  return {
    'deployment.yaml': `deployments:\n  - path: lib\n`,
    'lib/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lib-config\n  namespace: ${namespace}\ndata:\n  from: lib\n`,
  };
}

async function rejection(promise: Promise<unknown>): Promise<SourceOverrideError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceOverrideError, `expected a SourceOverrideError, got ${(error as Error).stack}`);
    return error;
  }
  assert.fail('expected a failure');
}

/** This process's open TCP sockets (ref'd or not) and listening servers, from its handle list. */
function openHandles(): Array<net.Socket | net.Server> {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter(
    (h): h is net.Socket | net.Server =>
      (h instanceof net.Socket && !h.destroyed) || (h instanceof net.Server && h.listening),
  );
}

/**
 * No new listener, and no new socket to the controller's source-override port, since `baseline` (other test files
 * share this process): checked until settled, as sockets close asynchronously.
 */
async function assertNoLeftovers(baseline: ReadonlyArray<net.Socket | net.Server>): Promise<void> {
  const controller = await sharedController();
  const suspicious = (): string[] =>
    openHandles()
      .filter((h) => !baseline.includes(h))
      .filter((h) => h instanceof net.Server || h.remotePort === controller.sourceOverridePort || h.connecting)
      .map((h) =>
        h instanceof net.Server
          ? `listener ${JSON.stringify(h.address())}`
          : `socket to ${h.remoteAddress}:${h.remotePort}`,
      );
  await waitUntil('no leftover sockets or listeners', () => (suspicious().length === 0 ? true : undefined), {
    timeoutMs: 5_000,
    intervalMs: 100,
  }).catch(() => {
    assert.deepEqual(suspicious(), [], 'leftover sockets or listeners');
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A loopback TCP forwarder to the controller that the test can cut. */
class TcpProxy {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((inbound) => {
      const outbound = net.connect(targetPort, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        proxy!.sockets.add(socket);
        socket.on('close', () => proxy!.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
