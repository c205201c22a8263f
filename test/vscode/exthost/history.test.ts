import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KluctlExtensionApi } from '../../../src/extension/main.js';
import { Commands } from '../../../src/extension/ids.js';
import type { ContextNode, DeploymentNode, TreeNode } from '../../../src/extension/tree/nodes.js';
import type {
  ResultObjectGroupNode,
  ResultObjectNode,
  TimelineEntryNode,
} from '../../../src/extension/tree/historyNodes.js';
import type { CompareOutcome, ResultObjectOutcome } from '../../../src/extension/commands/historyCommands.js';
import type { FleetDiffOutcome } from '../../../src/extension/commands/fleetDiff.js';
import type { RequestCommandResult } from '../../../src/extension/commands/requests.js';
import { runRequest } from '../../../src/gitops/manualRequests.js';

/**
 * Issue 17 in a real VS Code against the real kube-apiserver and kluctl-controller (started by
 * test/integration/vscode-history.test.ts): timeline, Compare with Previous, inventory, alerts, fleet diff.
 */
const env = {
  namespace: process.env.KLUCTL_HISTORY_NAMESPACE ?? '',
  workspace: process.env.KLUCTL_HISTORY_WORKSPACE ?? '',
};

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
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

function commitAndPush(message: string): void {
  git('add', '--all');
  git('commit', '-q', '-m', message);
  git('push', '-q', 'origin', 'HEAD:main');
}

describe('Kluctl issue 17: timeline, results, inventory, alerts, fleet diff', function () {
  this.timeout(600_000);
  let api: KluctlExtensionApi;

  before(async function () {
    if (!env.namespace) this.skip();
    const extension = vscode.extensions.getExtension<KluctlExtensionApi>('kluctl-tools.kluctl-gitops');
    assert.ok(extension);
    api = await extension.activate();
    await vscode.commands.executeCommand('workbench.view.extension.kluctl');
  });

  async function node(name: string): Promise<DeploymentNode> {
    return waitFor(`tree node ${name}`, async () => {
      const [context] = (await api.tree.getChildren()) as ContextNode[];
      const top = await api.tree.getChildren(context);
      return top.find(
        (n): n is DeploymentNode => n.kind === 'deployment' && n.namespace === env.namespace && n.name === name,
      );
    });
  }

  async function child<K extends TreeNode['kind']>(name: string, kind: K): Promise<Extract<TreeNode, { kind: K }>> {
    const d = await node(name);
    const found = (await api.tree.getChildren(d)).find((n) => n.kind === kind);
    assert.ok(found, `${name} has a ${kind} node`);
    return found as Extract<TreeNode, { kind: K }>;
  }

  async function timeline(name: string): Promise<TimelineEntryNode[]> {
    return (await api.tree.getChildren(await child(name, 'timeline'))) as TimelineEntryNode[];
  }

  async function reconcile(name: string): Promise<void> {
    await vscode.commands.executeCommand(Commands.reconcile, await node(name));
  }

  it('Compare with Previous of two deploys of different commits shows exactly the changed objects and fields', async () => {
    await waitFor('app ready', async () => ((await node('app')).status.state === 'ready' ? true : undefined));
    await api.alerts.update();
    assert.match(api.alerts.text, /Kluctl: .*ready/);
    const file = path.join(env.workspace, 'app', 'first.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('color: blue', 'color: green'));
    commitAndPush('green');
    await reconcile('app');
    const newest = await waitFor('two deploy results in the timeline', async () => {
      const deploys = (await timeline('app')).filter((n) => n.entry.kind === 'result' && n.entry.command === 'deploy');
      return deploys.length >= 2 ? deploys[0] : undefined;
    });
    const item = newest.toTreeItem();
    assert.match(String(item.contextValue), /^kluctl:result\+command\+deploy/);
    const compare = await vscode.commands.executeCommand<CompareOutcome>(Commands.compareWithPrevious, newest);
    assert.ok(compare?.opened, 'a diff opened');
    assert.deepEqual(
      compare.diffs.map((d) => `${d.status} ${d.ref.kind}/${d.ref.name}`),
      ['changed ConfigMap/first-a'],
    );
    const [, left, right] = compare.opened[0];
    const l = (await vscode.workspace.openTextDocument(left)).getText().split('\n');
    const r = (await vscode.workspace.openTextDocument(right)).getText().split('\n');
    assert.deepEqual(
      l.filter((x) => !r.includes(x)),
      ['  color: blue'],
    );
    assert.deepEqual(
      r.filter((x) => !l.includes(x)),
      ['  color: green'],
    );
    const doc = await vscode.commands.executeCommand<vscode.Uri>(Commands.openResult, newest);
    assert.match((await vscode.workspace.openTextDocument(doc)).getText(), /# Kluctl deploy result[\s\S]*1 changed/);
  });

  it("shows a result's objects as a read-only tree: grouped, each opening its diff or masked YAML", async () => {
    const newest = await waitFor('the newest deploy result', async () =>
      (await timeline('app')).find((n) => n.entry.kind === 'result' && n.entry.command === 'deploy'),
    );
    assert.equal(newest.toTreeItem().collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const groups = (await api.tree.getChildren(newest)) as ResultObjectGroupNode[];
    assert.deepEqual(
      groups.map((g) => `${g.group.status} ${g.group.total}`),
      ['changed 1', 'unchanged 1'],
    );
    const changed = (await api.tree.getChildren(groups[0])) as ResultObjectNode[];
    assert.deepEqual(
      changed.map((n) => `${n.ref.kind}/${n.ref.name}`),
      ['ConfigMap/first-a'],
    );
    assert.match(String(changed[0].toTreeItem().contextValue), /^kluctl:object\+result\+changed/);
    const diff = await vscode.commands.executeCommand<ResultObjectOutcome>(Commands.openResultObject, changed[0]);
    assert.equal(diff?.status, 'changed');
    const [, left, right] = diff.diff!;
    assert.match((await vscode.workspace.openTextDocument(left)).getText(), /color: blue/);
    assert.match((await vscode.workspace.openTextDocument(right)).getText(), /color: green/);
    const unchanged = (await api.tree.getChildren(groups[1])) as ResultObjectNode[];
    assert.deepEqual(
      unchanged.map((n) => `${n.ref.kind}/${n.ref.name}`),
      ['ConfigMap/second-a'],
    );
    const second = unchanged.find((n) => n.ref.name === 'second-a')!;
    const opened = await vscode.commands.executeCommand<ResultObjectOutcome>(Commands.openResultObject, second);
    assert.equal(opened?.status, 'unchanged');
    const text = (await vscode.workspace.openTextDocument(opened.document!)).getText();
    assert.match(text, /size: L/);
    assert.doesNotMatch(text, /managedFields|resourceVersion/);
  });

  it('lists the inventory of the deployment and opens an object as live YAML', async () => {
    const inventory = (await api.tree.getChildren(await child('app', 'inventory'))) as Array<
      Extract<TreeNode, { kind: 'inventoryObject' }>
    >;
    const names = inventory.map((n) => `${n.item.ref.kind}/${n.item.ref.name}`);
    assert.ok(names.includes('ConfigMap/first-a'), names.join(', '));
    assert.ok(names.includes('ConfigMap/second-a'), names.join(', '));
    const first = inventory.find((n) => n.item.ref.name === 'first-a')!;
    const uri = await vscode.commands.executeCommand<vscode.Uri>(Commands.openLiveObject, first);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, /color: green/);
    assert.doesNotMatch(text, /managedFields/);
    const validation = await child('app', 'validation');
    assert.match(String(validation.toTreeItem().description), /ready|validated/);
  });

  it('after a failed deploy the timeline shows the Event and the failed result without a refresh; one alert', async () => {
    const timelineNode = await child('app', 'timeline');
    await api.tree.getChildren(timelineNode);
    let fired = 0;
    const sub = api.tree.onDidChangeTreeData(() => fired++);
    const alertsBefore = api.alerts.shown.length;
    try {
      fs.writeFileSync(
        path.join(env.workspace, 'app', 'broken.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Invalid_Name\n  namespace: ${env.namespace}\ndata:\n  a: b\n`,
      );
      commitAndPush('broken');
      const started = Date.now();
      await reconcile('app');
      const seen = await waitFor('a warning Event and the failed result', async () => {
        const entries = (await timeline('app')).map((n) => n.entry);
        const failed = entries.find(
          (e) =>
            e.kind === 'result' && e.command === 'deploy' && e.errors.length > 0 && e.time.getTime() > started - 5000,
        );
        const event = entries.find((e) => e.kind === 'event' && e.warning && e.time.getTime() > started - 5000);
        return failed && event ? { failed, event } : undefined;
      });
      assert.ok(fired > 0, 'the view was told to redraw by the watches (no Refresh command)');
      assert.ok(seen.failed.kind === 'result' && /Invalid_Name|invalid/i.test(seen.failed.errors[0].message));
      assert.ok(api.tree.history.liveTimelines.some((id) => id.endsWith(`/${env.namespace}/app`)));

      // Only `app`'s alerts: app-b deploys the same repository on its own interval and may fail (and alert) too.
      const ofApp = () => api.alerts.shown.slice(alertsBefore).filter((a) => a.key.endsWith(`${env.namespace}/app`));
      await waitFor('one failure alert', () => (ofApp().length > 0 ? ofApp() : undefined));
      assert.match(api.alerts.text, /failed/);
      await new Promise((r) => setTimeout(r, 3000));
      await api.alerts.update();
      const newAlerts = ofApp();
      assert.equal(newAlerts.length, 1, newAlerts.map((a) => `${a.key} ${a.state}`).join('; '));
      assert.equal(newAlerts[0].state, 'failed');
      assert.match(newAlerts[0].key, new RegExp(`${env.namespace}/app$`));

      fs.rmSync(path.join(env.workspace, 'app', 'broken.yaml'));
      commitAndPush('fixed');
      await reconcile('app');
      await waitFor('the alert cleared', async () => {
        await api.alerts.update();
        const app = api.alerts.states.find((a) => a.key.endsWith(`${env.namespace}/app`));
        return app && app.state !== 'failed' ? true : undefined;
      });
      assert.equal(ofApp().length, 1, 'no new alert on recovery');
    } finally {
      sub.dispose();
    }
  });

  it('diffs the local source against every matching deployment (same path, different args) in one editor', async () => {
    await node('app-b');
    const file = path.join(env.workspace, 'app', 'first.yaml');
    const committed = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, committed.replace('color: green', 'color: fleet-orange'));
    try {
      const fleet = await vscode.commands.executeCommand<FleetDiffOutcome>(Commands.diffWithLocalSourceAll);
      assert.ok(fleet?.opened, 'one multi-file diff opened');
      assert.deepEqual(
        fleet.groups.map((g) => `${g.deployment}: ${g.error ?? g.diffs.map((d) => d.ref.name).join(',')}`).sort(),
        [`${env.namespace}/app: first-a`, `${env.namespace}/app-b: first-b`].sort(),
      );
      const paths = fleet.opened.map(([label]) => label.path);
      assert.ok(
        paths.some((p) => p.includes(`/${env.namespace}/app/`) && p.endsWith('/ConfigMap/first-a.yaml')),
        paths.join(', '),
      );
      assert.ok(
        paths.some((p) => p.includes(`/${env.namespace}/app-b/`) && p.endsWith('/ConfigMap/first-b.yaml')),
        paths.join(', '),
      );
      for (const [, , right] of fleet.opened)
        assert.match((await vscode.workspace.openTextDocument(right)).getText(), /color: fleet-orange/);
    } finally {
      fs.writeFileSync(file, committed);
    }
  });
  it('after the kubeconfig file changes, the live timeline watches again through the new client', async () => {
    const timelineNode = await child('app', 'timeline');
    await api.tree.getChildren(timelineNode);
    const [context] = api.clusters.selectedContexts();
    const oldClient = api.clusters.client(context);
    const oldHistory = api.tree.history.history(context);
    await waitFor('the timeline live', () => (oldHistory.runningWatches === 2 ? true : undefined));
    let reloads = 0;
    const sub = api.clusters.onDidReload(() => reloads++);
    try {
      const file = vscode.workspace.getConfiguration('kluctl').get<string>('kubeconfig');
      assert.ok(file, 'the test sets kluctl.kubeconfig');
      // Rewritten in place, as a credential refresh does.
      fs.writeFileSync(file, fs.readFileSync(file));
      await waitFor('the reload', () => (reloads > 0 ? true : undefined), 15_000);
    } finally {
      sub.dispose();
    }
    assert.notEqual(api.clusters.client(context), oldClient, 'a new client');
    await waitFor('the old watches ended', () => (oldHistory.runningWatches === 0 ? true : undefined), 15_000);
    assert.ok(api.tree.history.liveTimelines.some((id) => id.endsWith(`/${env.namespace}/app`)));
    const history = api.tree.history.history(context);
    assert.notEqual(history, oldHistory);
    await waitFor('the new watches running', () => (history.runningWatches === 2 ? true : undefined));
    const started = Date.now();
    await runRequest(api.clusters.client(context), { namespace: env.namespace, name: 'app' }, 'reconcile');
    await waitFor('an Event of the reconcile through the new watch', async () =>
      (await timeline('app')).some((n) => n.entry.kind === 'event' && n.entry.time.getTime() >= started - 1000)
        ? true
        : undefined,
    );
  });

  it('alerts once for a workspace deployment that fails while the view is hidden, and clears when it recovers', async () => {
    // The view was opened (before()): the user engaged, so the alerts may watch while it is hidden.
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('the view hidden, the tree paused, the light watch running', () =>
      !api.tree.view.visible && !api.clusters.isWatching && api.alerts.watchingWhileHidden ? true : undefined,
    );
    const [context] = api.clusters.selectedContexts();
    const client = api.clusters.client(context);
    const ref = { namespace: env.namespace, name: 'app' };
    const alertsBefore = api.alerts.shown.length;
    const broken = path.join(env.workspace, 'app', 'broken.yaml');
    try {
      // Changed from outside the editor: a push and the controller's reconcile (no Kluctl command is run).
      fs.writeFileSync(
        broken,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Invalid_Name_2\n  namespace: ${env.namespace}\ndata:\n  a: b\n`,
      );
      commitAndPush('broken while hidden');
      await runRequest(client, ref, 'reconcile');
      // Only app was reconciled; app-b (same repository) may pick up the commit on its own interval.
      const ofApp = () => api.alerts.shown.slice(alertsBefore).filter((a) => a.key.endsWith(`${env.namespace}/app`));
      const shown = await waitFor('one failure alert while hidden', () => (ofApp().length > 0 ? ofApp() : undefined));
      assert.equal(shown[0].state, 'failed');
      assert.match(api.alerts.text, /failed/);
      assert.ok(!api.tree.view.visible && !api.clusters.isWatching, 'still hidden: only the light watch ran');
      await new Promise((r) => setTimeout(r, 3000));
      await api.alerts.update();
      assert.equal(ofApp().length, 1, 'one alert per change');

      fs.rmSync(broken);
      commitAndPush('fixed while hidden');
      await runRequest(client, ref, 'reconcile');
      await waitFor('the alert cleared while hidden', async () => {
        await api.alerts.update();
        const app = api.alerts.states.find((a) => a.key.endsWith(`${env.namespace}/app`));
        return app && app.state !== 'failed' ? true : undefined;
      });
      assert.ok(!api.tree.view.visible && !api.clusters.isWatching, 'still hidden');
      assert.equal(ofApp().length, 1, 'no alert on recovery');
    } finally {
      if (fs.existsSync(broken)) {
        fs.rmSync(broken);
        commitAndPush('cleanup');
      }
      await vscode.commands.executeCommand('workbench.view.extension.kluctl');
    }
    await waitFor('the view visible again, the light watch ended', () =>
      api.tree.view.visible && api.clusters.isWatching && !api.alerts.watchingWhileHidden ? true : undefined,
    );
  });

  it('Validate Now fills the Validation table with one row per finding of the real controller', async () => {
    fs.writeFileSync(
      path.join(env.workspace, 'app', 'not-ready.yaml'),
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: not-ready-{{ args.suffix }}',
        `  namespace: ${env.namespace}`,
        '  annotations:',
        '    kluctl.io/is-ready: "false"',
        '    validate-result.kluctl.io/owner: "team blue"',
        'data:',
        '  x: y',
        '',
      ].join('\n'),
    );
    commitAndPush('not ready');
    await reconcile('app');
    await waitFor('not-ready-a deployed', async () => {
      const inventory = (await api.tree.getChildren(await child('app', 'inventory'))) as Array<
        Extract<TreeNode, { kind: 'inventoryObject' }>
      >;
      return inventory.some((n) => n.item.ref.name === 'not-ready-a') ? true : undefined;
    });
    const before = (await node('app')).kd.status?.lastValidateResult?.id;
    const outcome = await vscode.commands.executeCommand<RequestCommandResult>(
      Commands.validateNow,
      await child('app', 'validation'),
    );
    assert.ok(outcome, 'the validate request ran');
    const rows = await waitFor('the new validate result in the Validation node', async () => {
      const d = await node('app');
      const id = d.kd.status?.lastValidateResult?.id;
      if (!id || id === before) return undefined;
      const children = (await api.tree.getChildren(await child('app', 'validation'))) as Array<
        Extract<TreeNode, { kind: 'validationRow' }>
      >;
      return children.map((c) => {
        const item = c.toTreeItem();
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        return `${label} | ${String(item.description)}`;
      });
    });
    assert.deepEqual(rows, [
      `${env.namespace}/ConfigMap/not-ready-a | error: kluctl.io/is-ready annotation is set to false`,
      `${env.namespace}/ConfigMap/not-ready-a | result: validate-result.kluctl.io/owner: team blue`,
    ]);
    assert.match(String((await child('app', 'validation')).toTreeItem().description), /not ready · 1 errors/);
  });
});
