import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mergePatchDeployment } from '../../src/gitops/deploymentApi.js';
import { DeploymentWatcher, type ContextState } from '../../src/gitops/deploymentWatcher.js';
import { findLocalProject } from '../../src/kluctl/localProject.js';
import { matchesDeployment } from '../../src/kluctl/repoKey.js';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { serverSideApply } from '../../src/kube/apply.js';
import { type KubeClient } from '../../src/kube/client.js';
import { TestCluster } from '../harness/cluster.js';
import { git, gitAsync } from '../harness/git-server.js';
import { freePort } from '../harness/processes.js';
import { scratchDir, sharedCluster, sharedGitServer, uniqueName } from '../harness/shared.js';
import { createDeployment, projectFiles } from './helpers/gitopsProject.js';

/** Resolves when the watcher reaches a state (and deployments) the predicate accepts. */
function until(
  watcher: DeploymentWatcher,
  accept: (w: DeploymentWatcher) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `watcher never got there; state ${JSON.stringify(watcher.state)}, ${watcher.deployments.length} deployments`,
        ),
      );
    }, timeoutMs);
    const check = (): void => {
      if (!accept(watcher)) return;
      clearTimeout(timer);
      off();
      resolve();
    };
    const off = watcher.onDidChange(check);
    check();
  });
}

const names = (w: DeploymentWatcher, namespace: string): string[] =>
  w.deployments
    .filter((d) => d.metadata.namespace === namespace)
    .map((d) => d.metadata.name)
    .sort();

describe('KluctlDeployment discovery and auto-detection @integration', function () {
  this.timeout(300_000);

  it('lists deployments across namespaces and follows additions, changes and deletions live', async () => {
    const cluster = await sharedCluster();
    const client = cluster.client();
    const gitServer = await sharedGitServer();
    const [nsA, nsB] = [uniqueName('disc-a'), uniqueName('disc-b')];
    await createDeployment(client, gitServer, 'none', { namespace: nsA, name: 'one' }, { suspend: true });
    const watcher = new DeploymentWatcher(client);
    watcher.start();
    try {
      await until(watcher, (w) => w.state.kind === 'ready' && names(w, nsA).length === 1);
      assert.deepEqual(watcher.state, { kind: 'ready', namespaces: 'all', warning: undefined });

      await createDeployment(client, gitServer, 'none', { namespace: nsB, name: 'two' }, { suspend: true });
      await until(watcher, (w) => names(w, nsB).includes('two'));

      await mergePatchDeployment(client, { namespace: nsB, name: 'two' }, { spec: { target: 'changed' } }, 'edit');
      await until(watcher, (w) => w.deployments.some((d) => d.metadata.name === 'two' && d.spec.target === 'changed'));

      await client.requestJson({
        method: 'DELETE',
        path: `/apis/gitops.kluctl.io/v1beta1/namespaces/${nsA}/kluctldeployments/one`,
      });
      await until(watcher, (w) => names(w, nsA).length === 0);
    } finally {
      watcher.stop();
    }
  });

  it('detects the deployment of a local clone from https and scp-style origins, and not from an unrelated repo', async () => {
    const cluster = await sharedCluster();
    const client = cluster.client();
    const gitServer = await sharedGitServer();
    const namespace = uniqueName('detect');
    const repo = uniqueName('detect-repo');
    const other = uniqueName('other-repo');
    const files = projectFiles(namespace, { cm: { a: '1' } });
    await gitServer.pushTree(repo, {
      files: { ...Object.fromEntries(Object.entries(files).map(([f, t]) => [`deploy/${f}`, t])), 'README.md': 'x\n' },
    });
    await gitServer.pushTree(other, { files });
    // The deployment names the repository as users often do: https-ish, with .git and a ./sub/ path.
    await createDeployment(
      client,
      gitServer,
      repo,
      { namespace, name: 'from-sub' },
      { suspend: true, source: { git: { url: gitServer.url(repo), path: './deploy/' } } },
    );
    await createDeployment(client, gitServer, other, { namespace, name: 'unrelated' }, { suspend: true });

    const watcher = new DeploymentWatcher(client);
    watcher.start();
    try {
      await until(watcher, (w) => names(w, namespace).length === 2);
      const clone = path.join(scratchDir(), uniqueName('clone'));
      await gitAsync(scratchDir(), 'clone', '--quiet', gitServer.url(repo), clone);
      const origins = {
        https: `https://127.0.0.1:${gitServer.port}/${repo}.git`,
        scp: `git@127.0.0.1:${gitServer.port}:${repo}.git`,
        'http as cloned': gitServer.url(repo),
      };
      for (const [form, origin] of Object.entries(origins)) {
        git(clone, 'remote', 'set-url', 'origin', origin);
        // Opened anywhere inside the project: the project dir is the nearest .kluctl.yaml.
        const local = await findLocalProject(path.join(clone, 'deploy', 'app'));
        assert.equal(local.subDir, 'deploy', form);
        const matches = watcher.deployments.filter((kd) => matchesDeployment(local, kd)).map((kd) => kd.metadata.name);
        assert.deepEqual(matches, ['from-sub'], `origin ${form}: ${origin}`);
      }

      const unrelatedClone = path.join(scratchDir(), uniqueName('unrelated-clone'));
      fs.mkdirSync(unrelatedClone);
      git(unrelatedClone, 'init', '--quiet');
      git(unrelatedClone, 'remote', 'add', 'origin', `https://127.0.0.1:${gitServer.port}/${repo}-fork.git`);
      fs.writeFileSync(path.join(unrelatedClone, '.kluctl.yaml'), '');
      const unrelated = await findLocalProject(unrelatedClone);
      assert.deepEqual(
        watcher.deployments.filter((kd) => matchesDeployment(unrelated, kd)),
        [],
      );
    } finally {
      watcher.stop();
    }
  });

  it('falls back to the namespaces a user may list when cluster-wide listing is forbidden', async () => {
    const cluster = await sharedCluster();
    const admin = cluster.client();
    const gitServer = await sharedGitServer();
    const [allowed, denied] = [uniqueName('rbac-ok'), uniqueName('rbac-no')];
    await createDeployment(admin, gitServer, 'none', { namespace: allowed, name: 'visible' }, { suspend: true });
    await createDeployment(admin, gitServer, 'none', { namespace: denied, name: 'hidden' }, { suspend: true });
    const user = uniqueName('alice');
    const mapper = new ResourceMapper(admin);
    await serverSideApply(
      admin,
      mapper,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'kd-reader', namespace: allowed },
        rules: [{ apiGroups: ['gitops.kluctl.io'], resources: ['kluctldeployments'], verbs: ['get', 'list', 'watch'] }],
      },
      { fieldManager: 'test' },
    );
    await serverSideApply(
      admin,
      mapper,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'kd-reader', namespace: allowed },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kd-reader' },
        subjects: [{ kind: 'User', name: user }],
      },
      { fieldManager: 'test' },
    );

    const client = clientForContext(loadKubeConfig(cluster.userKubeconfig(user)));
    const watcher = new DeploymentWatcher(client, { fallbackNamespaces: [allowed, denied] });
    watcher.start();
    try {
      await until(watcher, (w) => w.state.kind === 'ready' && w.deployments.length > 0);
      assert.deepEqual(watcher.state, {
        kind: 'ready',
        namespaces: [allowed],
        warning: `not allowed to list KluctlDeployments in ${denied}`,
      });
      assert.deepEqual(
        watcher.deployments.map((d) => d.metadata.name),
        ['visible'],
      );
    } finally {
      watcher.stop();
    }
  });

  it('reports RBAC denial everywhere as forbidden', async () => {
    const cluster = await sharedCluster();
    const client = clientForContext(loadKubeConfig(cluster.userKubeconfig(uniqueName('nobody'))));
    const watcher = new DeploymentWatcher(client, { fallbackNamespaces: ['default'] });
    watcher.start();
    try {
      await until(watcher, (w) => w.state.kind === 'forbidden');
      assert.match(
        (watcher.state as { message: string }).message,
        /not allowed to list KluctlDeployments cluster-wide or in namespace\(s\) default/,
      );
    } finally {
      watcher.stop();
    }
  });

  it('reports a missing CRD (no controller installed) as its own state', async () => {
    const bare = await TestCluster.start({ installCrd: false });
    const watcher = new DeploymentWatcher(bare.client());
    try {
      watcher.start();
      await until(watcher, (w) => w.state.kind === 'crdMissing');
      assert.match(
        (watcher.state as { message: string }).message,
        /KluctlDeployment API \(gitops\.kluctl\.io\/v1beta1\) is not installed.*kluctl-controller/,
      );
    } finally {
      watcher.stop();
      await bare.stop();
    }
  });

  it('reports an unreachable cluster and keeps retrying', async () => {
    const cluster = await sharedCluster();
    const port = await freePort();
    const kubeconfig = fs
      .readFileSync(cluster.kubeconfig, 'utf8')
      .replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`);
    const file = path.join(scratchDir(), 'kubeconfig-unreachable');
    fs.writeFileSync(file, kubeconfig);
    const client: KubeClient = clientForContext(loadKubeConfig(file), undefined, 2000);
    const watcher = new DeploymentWatcher(client, { backoffMs: { initial: 100, max: 200 } });
    const seen: ContextState[] = [];
    watcher.onDidChange(() => seen.push(watcher.state));
    watcher.start();
    try {
      await until(watcher, () => seen.filter((s) => s.kind === 'unreachable').length >= 2);
      const state = watcher.state as { kind: string; message: string; retryInMs?: number };
      assert.equal(state.kind, 'unreachable');
      assert.match(state.message, new RegExp(`cannot reach https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      assert.ok(state.retryInMs && state.retryInMs > 0, 'it will retry');
    } finally {
      watcher.stop();
    }
  });
});
