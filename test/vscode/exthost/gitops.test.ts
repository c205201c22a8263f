import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KluctlExtensionApi } from '../../../src/extension/main.js';
import { Commands } from '../../../src/extension/ids.js';
// Types only: the extension's classes live in its own bundle, so `instanceof` would not work across bundles.
import type { ContextNode, DeploymentNode, GroupNode, TreeNode } from '../../../src/extension/tree/nodes.js';
import type { RequestCommandResult } from '../../../src/extension/commands/requests.js';
import type { PushResult } from '../../../src/extension/commands/pushCommands.js';
import { getDeployment } from '../../../src/gitops/deploymentApi.js';
import { clientForContext, loadKubeConfig } from '../../../src/kube/kubeconfig.js';
import { getObject } from '../../../src/kube/apply.js';
import { ResourceMapper } from '../../../src/kube/discovery.js';
import { type KubeClient } from '../../../src/kube/client.js';

/**
 * The extension against the real kube-apiserver and kluctl-controller the outer test started (see
 * test/integration/vscode-gitops.test.ts, which passes what this suite needs in the environment).
 */
const env = {
  kubeconfig: process.env.KLUCTL_EXT_TEST_KUBECONFIG,
  namespace: process.env.KLUCTL_EXT_TEST_NAMESPACE ?? '',
  workspace: process.env.KLUCTL_EXT_TEST_WORKSPACE ?? '',
};

let describeState: () => Promise<string> = () => Promise.resolve('');

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${await describeState()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: env.workspace,
    encoding: 'utf8',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
}

describe('Kluctl GitOps extension against a real cluster and controller', function () {
  this.timeout(300_000);
  let api: KluctlExtensionApi;
  let client: KubeClient;

  before(async function () {
    if (!env.kubeconfig) this.skip();
    const extension = vscode.extensions.getExtension<KluctlExtensionApi>('kluctl-tools.kluctl-gitops');
    assert.ok(extension, 'the extension is installed');
    api = await extension.activate();
    client = clientForContext(loadKubeConfig(env.kubeconfig));
    await vscode.commands.executeCommand('workbench.view.extension.kluctl');
    describeState = async () => {
      const views = api.clusters
        .views()
        .map((v) => `${v.name}: ${JSON.stringify(v.state)} (${v.deployments.length} deployments)`);
      const projects = (await api.projects.all()).map((p) => `${p.repoKey.host}/${p.repoKey.path} [${p.subDir}]`);
      return `kubeconfig ${JSON.stringify(api.clusters.snapshot())}; contexts ${views.join(', ') || 'none'}; workspace projects ${projects.join(', ') || 'none'}`;
    };
  });

  async function deploymentNodes(): Promise<{ context: ContextNode; top: TreeNode[]; others: DeploymentNode[] }> {
    const [context] = (await api.tree.getChildren()) as ContextNode[];
    const top = await api.tree.getChildren(context);
    const group = top.find((n): n is GroupNode => n.kind === 'group');
    return { context, top, others: group ? group.deployments : [] };
  }

  async function node(name: string): Promise<DeploymentNode> {
    return waitFor(`tree node ${name}`, async () => {
      const { top, others } = await deploymentNodes();
      return [...top, ...others].find(
        (n): n is DeploymentNode => n.kind === 'deployment' && n.namespace === env.namespace && n.name === name,
      );
    });
  }

  async function configMap(name: string): Promise<Record<string, string> | undefined> {
    const cm = await getObject(client, new ResourceMapper(client), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: env.namespace,
      name,
    });
    return cm?.data as Record<string, string> | undefined;
  }

  it('lists the deployment of this workspace first, marked, with its status; the others in a group', async () => {
    const matching = await waitFor('the matching deployment in the tree', async () => {
      const { top } = await deploymentNodes();
      const first = top[0];
      return first?.kind === 'deployment' && first.name === 'app' ? first : undefined;
    });
    assert.ok(matching.project, 'marked as deploying this workspace');
    const item = matching.toTreeItem();
    assert.match(String(item.contextValue), /^kluctl:deployment\b.*\+matching\b/);
    assert.equal(
      (item.iconPath as vscode.ThemeIcon).id,
      'pass',
      `status ${matching.status.state}: ${matching.status.summary}`,
    );
    const { others } = await deploymentNodes();
    assert.ok(
      others.some((n) => n.name === 'unrelated'),
      'the unrelated deployment is under "Other deployments"',
    );
  });

  it('suspends and resumes, updating the tree from the watch', async () => {
    await vscode.commands.executeCommand(Commands.suspend, await node('app'));
    assert.equal((await getDeployment(client, { namespace: env.namespace, name: 'app' })).spec.suspend, true);
    const suspended = await waitFor('suspended node', async () =>
      (await node('app')).status.suspended ? node('app') : undefined,
    );
    assert.match(String(suspended.toTreeItem().contextValue), /\+suspended\b/);

    await vscode.commands.executeCommand(Commands.resume, suspended);
    assert.equal((await getDeployment(client, { namespace: env.namespace, name: 'app' })).spec.suspend, undefined);
    await vscode.commands.executeCommand(Commands.suspend, await node('app'));
  });

  it('deploys, reconciles and validates through the controller, with the logs in the output channel', async () => {
    git('commit', '--allow-empty', '-m', 'noop');
    fs.writeFileSync(
      path.join(env.workspace, 'app', 'extra.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: ${env.namespace}\ndata:\n  added: "yes"\n`,
    );
    git('add', '--all');
    git('commit', '-q', '-m', 'add extra');
    git('push', '-q', 'origin', 'HEAD:main');

    const deploy = await vscode.commands.executeCommand<RequestCommandResult>(Commands.deploy, await node('app'));
    assert.equal(deploy.outcome.commandError, '');
    assert.deepEqual(await configMap('extra'), { added: 'yes' }, 'deploy changed the cluster');
    const logs = api.logs.lines({ namespace: env.namespace, name: 'app' });
    if (!logs.some((l) => l.includes(deploy.outcome.reconcileId))) {
      const again = await api.logs
        .stream(
          client,
          { namespace: env.namespace, name: 'app' },
          { follow: false, reconcileId: deploy.outcome.reconcileId },
        )
        .catch((e: Error) => e.message);
      assert.fail(
        `the log channel shows the request ${deploy.outcome.reconcileId}: ${logs.length} lines: ${logs.slice(-5).join(' | ')}; reading again: ${again}; setting ${vscode.workspace.getConfiguration('kluctl').get<string>('controllerLogFile')}`,
      );
    }

    const reconcile = await vscode.commands.executeCommand<RequestCommandResult>(Commands.reconcile, await node('app'));
    assert.equal(reconcile.outcome.commandError, '');
    const validate = await vscode.commands.executeCommand<RequestCommandResult>(Commands.validate, await node('app'));
    assert.ok(validate.outcome.resultId, 'a validate result');
  });

  it('shows a diff of a pushed change in one multi-file diff editor', async () => {
    fs.writeFileSync(
      path.join(env.workspace, 'app', 'extra.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: ${env.namespace}\ndata:\n  added: "changed"\n`,
    );
    git('commit', '-q', '-am', 'change extra');
    git('push', '-q', 'origin', 'HEAD:main');
    const diff = await vscode.commands.executeCommand<RequestCommandResult>(Commands.diff, await node('app'));
    assert.ok(diff.opened && diff.opened.length === 1, 'one object changed');
    const [, left, right] = diff.opened[0];
    assert.match((await vscode.workspace.openTextDocument(left)).getText(), /added: "yes"/);
    assert.match((await vscode.workspace.openTextDocument(right)).getText(), /added: changed/);
    const tab = await waitFor('the multi-diff tab', () => vscode.window.tabGroups.activeTabGroup.activeTab);
    // The multi-file diff editor's tab input is not in the stable API: it is neither a text nor a text-diff input.
    assert.ok(
      !(tab.input instanceof vscode.TabInputText) && !(tab.input instanceof vscode.TabInputTextDiff),
      `active tab is the multi-file diff (${tab.label})`,
    );
    assert.match(tab.label, /Kluctl Diff: .*\/app/);
  });

  it('diffs the uncommitted checkout through the controller (local source override)', async () => {
    const file = path.join(env.workspace, 'app', 'first.yaml');
    const committed = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, committed.replace('blue', 'uncommitted-purple'));
    try {
      const diff = await vscode.commands.executeCommand<RequestCommandResult>(
        Commands.diffWithLocalSource,
        await node('app'),
      );
      assert.ok(diff?.opened, 'a diff editor opened');
      const first = diff.opened.find(([label]) => label.path.endsWith('/ConfigMap/first.yaml'));
      assert.ok(first, `ConfigMap first is in the diff: ${diff.opened.map(([l]) => l.path).join(', ')}`);
      assert.match((await vscode.workspace.openTextDocument(first[1])).getText(), /color: blue/);
      assert.match((await vscode.workspace.openTextDocument(first[2])).getText(), /color: uncommitted-purple/);
      assert.deepEqual(await configMap('first'), { color: 'blue' }, 'a diff changes nothing in the cluster');
    } finally {
      fs.writeFileSync(file, committed);
    }
  });

  it('deploys with options (dry run): nothing changes, the result says dry run; the patch carried the option', async () => {
    const before = await configMap('first');
    const run = await vscode.commands.executeCommand<RequestCommandResult>(
      Commands.deployWithOptions,
      await node('app'),
      {
        options: { dryRun: true, args: ['unused=1'] },
      },
    );
    assert.equal(run.outcome.commandError, '');
    assert.equal(run.result?.command?.dryRun, true, 'the stored result is a dry run');
    assert.deepEqual(await configMap('first'), before, 'a dry run changes nothing');
  });

  it('validates with warnings as errors', async () => {
    const run = await vscode.commands.executeCommand<RequestCommandResult>(
      Commands.validateWithOptions,
      await node('app'),
      {
        options: {},
        warningsAsErrors: true,
      },
    );
    assert.ok(run.outcome.resultId, 'a validate result');
    assert.equal(run.failed, false, 'no errors and no warnings');
  });

  it("reconciles a multi-selection, then shows one past reconciliation's logs only and all controller logs", async () => {
    const app = await node('app');
    const unrelated = await node('unrelated');
    const many = await vscode.commands.executeCommand<{ done: string[]; failed: unknown[] }>(Commands.reconcile, app, [
      app,
      unrelated,
    ]);
    assert.deepEqual(many.failed, []);
    assert.equal(many.done.length, 2, many.done.join(', '));

    const kd = await getDeployment(client, { namespace: env.namespace, name: 'app' });
    const id = kd.status?.reconcileRequestResult?.reconcileId;
    assert.ok(id, 'the reconcile request has a reconcile id');
    const count = await vscode.commands.executeCommand<number>(Commands.showReconcileLogs, app, id);
    assert.ok(count > 0, 'lines of that reconciliation');
    const lines = api.logs.lines({ namespace: env.namespace, name: 'app' });
    const header = lines.lastIndexOf(`── Showing logs for ${env.namespace}/app and reconciliation ID ${id}`);
    assert.ok(header >= 0, lines.slice(-5).join(' | '));
    assert.ok(
      lines.slice(header + 1).every((l) => !l.startsWith('── ') || l.includes(id)),
      'only that reconciliation follows the header',
    );

    const context = await vscode.commands.executeCommand<string>(Commands.showControllerLogs, app);
    await waitFor('controller log lines', () =>
      api.logs.controllerLines(context).some((l) => l.includes(`${env.namespace}/unrelated`)) ? true : undefined,
    );
    const stopped = await vscode.commands.executeCommand<number>(Commands.stopFollowingLogs);
    assert.ok(stopped >= 1, 'following stopped');
  });

  it('prunes an object removed from the project', async () => {
    fs.rmSync(path.join(env.workspace, 'app', 'extra.yaml'));
    git('commit', '-q', '-am', 'drop extra');
    git('push', '-q', 'origin', 'HEAD:main');
    await vscode.commands.executeCommand(Commands.deploy, await node('app'));
    assert.ok(await configMap('extra'), 'still there after a deploy without prune');
    const prune = await vscode.commands.executeCommand<RequestCommandResult>(Commands.prune, await node('app'));
    assert.equal(prune.outcome.commandError, '');
    assert.equal(await configMap('extra'), undefined, 'pruned');
  });

  it('puts status and actions over a KluctlDeployment manifest (CodeLens)', async () => {
    const file = path.join(env.workspace, 'kd.yaml');
    fs.writeFileSync(
      file,
      `apiVersion: gitops.kluctl.io/v1beta1\nkind: KluctlDeployment\nmetadata:\n  name: app\n  namespace: ${env.namespace}\nspec:\n  interval: 5m\n`,
    );
    try {
      const document = await vscode.workspace.openTextDocument(file);
      const lenses = await waitFor('code lenses', async () => {
        const found =
          (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ??
          [];
        return found.some((l) => l.command?.title === 'Diff') ? found : undefined;
      });
      const titles = lenses.map((l) => l.command?.title ?? '');
      assert.ok(
        titles.some((t) => /kluctl-test: /.test(t)),
        titles.join(' | '),
      );
      assert.ok(titles.includes('Diff with Local Source') && titles.includes('Show Logs'), titles.join(' | '));
    } finally {
      fs.rmSync(file);
    }
  });

  it('opens the KluctlDeployment as read-only YAML', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>(Commands.openDeploymentYaml, await node('app'));
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, /kind: KluctlDeployment/);
    assert.doesNotMatch(text, /managedFields/);
    assert.equal(uri.scheme, 'kluctl');
  });

  it('pushes the workspace with the bundled engine: Render opens YAML, Diff shows the uncommitted change, Deploy applies it', async () => {
    const file = path.join(env.workspace, 'app', 'first.yaml');
    const committed = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, committed.replace('blue', 'engine-green'));
    try {
      const arg = { projectDir: env.workspace, target: undefined };
      const rendered = await vscode.commands.executeCommand<PushResult>(Commands.renderTarget, arg);
      assert.ok(
        rendered.opened instanceof vscode.Uri || (rendered.opened as { scheme?: string })?.scheme === 'kluctl',
        'a rendered document opened',
      );
      const renderedText = (await vscode.workspace.openTextDocument(rendered.opened as vscode.Uri)).getText();
      assert.match(renderedText, /color: engine-green/);
      assert.match(renderedText, /kluctl\.io\/discriminator: test-/);
      // From the palette: the only project of the workspace, targetless, so nothing to pick.
      const fromPalette = await vscode.commands.executeCommand<PushResult>(Commands.renderTarget);
      assert.match(
        (await vscode.workspace.openTextDocument(fromPalette.opened as vscode.Uri)).getText(),
        /color: engine-green/,
      );

      const diff = await vscode.commands.executeCommand<PushResult>(Commands.diffTarget, arg);
      const changed = (diff.result?.objects ?? []).filter((o) => o.changes?.length);
      assert.deepEqual(
        changed.map((o) => `${o.ref.kind}/${o.ref.name}:${o.changes!.map((c) => c.jsonPath).join(',')}`),
        ['ConfigMap/first:data.color'],
      );
      const opened = diff.opened as Array<[vscode.Uri, vscode.Uri, vscode.Uri]>;
      const first = opened.find(([label]) => label.path.endsWith('/ConfigMap/first.yaml'));
      assert.ok(first, 'ConfigMap first is in the diff editor');
      assert.match((await vscode.workspace.openTextDocument(first[1])).getText(), /color: blue/);
      assert.match((await vscode.workspace.openTextDocument(first[2])).getText(), /color: engine-green/);
      assert.deepEqual(await configMap('first'), { color: 'blue' }, 'a diff changes nothing');

      const deployed = await vscode.commands.executeCommand<PushResult>(Commands.deployTarget, arg);
      assert.equal(deployed.result?.errors, undefined, JSON.stringify(deployed.result?.errors));
      assert.deepEqual(await configMap('first'), { color: 'engine-green' }, 'deployed by the bundled engine');

      const document = await vscode.workspace.openTextDocument(path.join(env.workspace, '.kluctl.yaml'));
      const lenses = await waitFor('.kluctl.yaml code lenses', async () => {
        const found =
          (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ??
          [];
        return found.length ? found : undefined;
      });
      assert.deepEqual(
        lenses.map((l) => l.command?.title),
        ['Render', 'Diff', 'Deploy…', 'Prune…'],
      );
    } finally {
      fs.writeFileSync(file, committed);
    }
  });

  it('Diff with Local Source through the bundled engine (kluctl.diff.source = engine) shows the checkout against the cluster', async () => {
    const config = vscode.workspace.getConfiguration('kluctl');
    await config.update('diff.source', 'engine', vscode.ConfigurationTarget.Workspace);
    try {
      // The previous test deployed "engine-green" with the engine; the checkout says "blue" again.
      const diff = await vscode.commands.executeCommand<PushResult>(Commands.diffWithLocalSource, await node('app'));
      assert.ok(diff?.result, 'the engine produced a result');
      const changed = (diff.result.objects ?? [])
        .filter((o) => o.changes?.length)
        .map((o) => `${o.ref.name}:${o.changes!.map((c) => c.jsonPath).join(',')}`);
      assert.deepEqual(changed, ['first:data.color']);
      const first = (diff.opened as Array<[vscode.Uri, vscode.Uri, vscode.Uri]>).find(([label]) =>
        label.path.endsWith('/ConfigMap/first.yaml'),
      );
      assert.ok(first);
      assert.match((await vscode.workspace.openTextDocument(first[1])).getText(), /color: engine-green/);
      assert.match((await vscode.workspace.openTextDocument(first[2])).getText(), /color: blue/);
    } finally {
      await config.update('diff.source', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('one diff model: a Secret edit gives the same documents through the engine and the controller, the change shown masked, and with reveal both real values', async () => {
    const file = path.join(env.workspace, 'app', 'secret.yaml');
    const secret = (password: string): string =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: ${env.namespace}\nstringData:\n  password: ${password}\n`;
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    const config = vscode.workspace.getConfiguration('kluctl');
    /** Every opened pair as [left, right] texts by its label path, from Diff with Local Source through `source`. */
    const documents = async (source: 'engine' | 'controller'): Promise<Map<string, [string, string]>> => {
      await config.update('diff.source', source, vscode.ConfigurationTarget.Workspace);
      const diff = await vscode.commands.executeCommand<PushResult | RequestCommandResult>(
        Commands.diffWithLocalSource,
        await node('app'),
      );
      const opened = (diff?.opened ?? []) as Array<[vscode.Uri, vscode.Uri, vscode.Uri]>;
      const text = async (uri: vscode.Uri): Promise<string> => (await vscode.workspace.openTextDocument(uri)).getText();
      return new Map(
        await Promise.all(
          // Keyed by the object (namespace/Kind/name), without the editor's per-diff folder: that names the
          // session and the source ("/diff-7/engine/…" against "/diff-8/<context>/…").
          opened.map(async ([label, left, right]): Promise<[string, [string, string]]> => [
            label.path.replace(/^\/diff-\d+\/[^/]+\//, ''),
            [await text(left), await text(right)],
          ]),
        ),
      );
    };
    const secretPair = (docs: Map<string, [string, string]>): [string, string] => {
      const key = [...docs.keys()].find((k) => k.endsWith('/Secret/creds.yaml'));
      assert.ok(key, `the Secret is in the diff editor: ${[...docs.keys()].join(', ')}`);
      return docs.get(key)!;
    };
    const topKeys = (yaml: string): string[] =>
      yaml
        .split('\n')
        .filter((l) => /^[A-Za-z]/.test(l))
        .map((l) => l.split(':')[0]);
    fs.writeFileSync(file, secret('first-value'));
    try {
      // The bundled engine deploys the Secret, so the cluster has one to change.
      const deployed = await vscode.commands.executeCommand<PushResult>(Commands.deployTarget, {
        projectDir: env.workspace,
        target: undefined,
      });
      assert.equal(deployed.result?.errors, undefined, JSON.stringify(deployed.result?.errors));
      fs.writeFileSync(file, secret('second-value'));

      const engine = await documents('engine');
      const [left, right] = secretPair(engine);
      assert.match(left, /^ {2}password: "\*{5}"$/m);
      assert.match(right, /^ {2}password: "\*{5} \(changed\)"$/m, 'the change is visible on the right side');
      for (const [key, [l, r]] of engine) {
        assert.doesNotMatch(l + r, /first-value|second-value|KioqKio=/, key);
        if (l && r) assert.deepEqual(topKeys(l), topKeys(r), `no key moves between the sides of ${key}`);
      }

      const controller = await documents('controller');
      assert.deepEqual([...controller.entries()].sort(), [...engine.entries()].sort(), 'the same documents');

      await config.update('diff.revealSecrets', true, vscode.ConfigurationTarget.Global);
      const [revealedLeft, revealedRight] = secretPair(await documents('engine'));
      assert.match(revealedLeft, new RegExp(`password: ${b64('first-value')}`));
      assert.match(revealedRight, new RegExp(`password: ${b64('second-value')}`));
    } finally {
      await config.update('diff.revealSecrets', undefined, vscode.ConfigurationTarget.Global);
      await config.update('diff.source', undefined, vscode.ConfigurationTarget.Workspace);
      fs.rmSync(file, { force: true });
    }
  });
});
