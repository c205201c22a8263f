import * as assert from 'node:assert/strict';
import { AlertTracker, alertStateOf, summarizeStates } from '../../../src/gitops/alerts.js';
import { ResultIndex, RESULT_INDEX_MAX_KEYS } from '../../../src/gitops/history.js';
import { inventoryOf } from '../../../src/gitops/inventory.js';
import { compareResults } from '../../../src/gitops/resultCompare.js';
import { resultObjectDocument, resultObjectGroups } from '../../../src/gitops/resultDocuments.js';
import { commandResultReport, validationTable } from '../../../src/gitops/resultReport.js';
import { presentStatus } from '../../../src/gitops/status.js';
import {
  deriveInitiator,
  describeEntry,
  eventEntry,
  formatAge,
  mergeTimeline,
  resultEntry,
  sharedReconcileIds,
  TIMELINE_LIMITS,
} from '../../../src/gitops/timeline.js';
import { RESULT_ANNOTATIONS, RESULT_LABELS, resultSecretInfo } from '../../../src/kluctl/results.js';
import type { CommandResult } from '../../../src/kluctl/resultTypes.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import { kluctlDeployment, T0, T1, T2 } from './kdFixtures.js';

function resultSecret(
  id: string,
  endTime: string,
  extra: Record<string, unknown> = {},
  deployment = 'app',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `cr-repo-${id}`,
      namespace: 'kluctl-results',
      labels: {
        [RESULT_LABELS.isResult]: 'true',
        [RESULT_LABELS.commandResultId]: id,
        [RESULT_ANNOTATIONS.deploymentName]: deployment,
        [RESULT_ANNOTATIONS.deploymentNamespace]: 'ns',
      },
      annotations: {
        [RESULT_ANNOTATIONS.commandResultSummary]: JSON.stringify({
          id,
          reconcileId: `r-${id}`,
          targetKey: { clusterId: 'c1' },
          commandInfo: { initiator: 'KluctlDeployment', command: 'deploy', startTime: endTime, endTime },
          newObjects: 1,
          changedObjects: 0,
          deletedObjects: 0,
          orphanObjects: 0,
          errors: [],
          warnings: [],
          gitInfo: { commit: 'abcdef0123456789', url: null, ref: null, subDir: '', dirty: false },
          target: { name: 't', args: { huge: 'x'.repeat(10_000) } },
          ...extra,
        }),
      },
    },
  };
}

describe('deployment timeline (pure)', () => {
  it('turns a controller Event into an entry with reason, message, count and time', () => {
    const e = eventEntry({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'app.1', namespace: 'ns', uid: 'u1' },
      reason: 'DeployFailed',
      message: 'deploy failed. 1 errors',
      type: 'Warning',
      count: 3,
      firstTimestamp: T0,
      lastTimestamp: T1,
    });
    assert.ok(e);
    assert.equal(e.reason, 'DeployFailed');
    assert.equal(e.count, 3);
    assert.equal(e.warning, true);
    assert.equal(e.time.toISOString(), new Date(T1).toISOString());
    const d = describeEntry(e, new Date(Date.parse(T1) + 90_000));
    assert.equal(d.label, 'DeployFailed (×3)');
    assert.match(d.description, /^1m ago · deploy failed/);
    assert.equal(d.failed, true);
  });

  it('tells who started a result: reconcile, manual request, CLI, from the stored result and its siblings', () => {
    const info = (id: string, initiator: string, extra: Record<string, unknown> = {}) =>
      resultSecretInfo(
        resultSecret(id, T1, {
          commandInfo: { initiator, command: 'deploy', startTime: T0, endTime: T1 },
          kluctlDeployment: { name: 'app', namespace: 'ns', clusterId: 'c1' },
          ...extra,
        }),
      )!;
    const hints = (manual: string[] = [], reconcileIds: string[] = []) => ({
      manualResultIds: new Set(manual),
      reconcileIds: new Set(reconcileIds),
    });
    // Seen in the status (or while watching): a manual request.
    assert.equal(resultEntry(info('m', 'KluctlDeployment'), hints(['m']))?.initiator, 'manual request');
    // kluctl's own field: a push from the command line.
    assert.equal(resultEntry(info('c', 'CommandLine'), hints())?.initiator, 'CLI');
    // A controller diff is stored only for a manual diff request.
    const diff = info('d', 'KluctlDeployment', {
      commandInfo: { initiator: 'KluctlDeployment', command: 'diff', startTime: T0, endTime: T1 },
    });
    assert.equal(deriveInitiator(diff), 'manual request');
    // An empty deploy is stored only when a request forced it.
    const empty = info('e', 'KluctlDeployment', { newObjects: 0 });
    assert.equal(deriveInitiator(empty), 'manual request');
    // Results sharing a reconcile id come from one full reconcile (deploy + validate).
    const reconciled = info('r', 'KluctlDeployment', { reconcileId: 'rec-1' });
    const validate = resultSecretInfo({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'vr-1',
        namespace: 'kluctl-results',
        labels: {
          [RESULT_LABELS.isResult]: 'true',
          [RESULT_LABELS.validateResultId]: 'v',
          [RESULT_ANNOTATIONS.deploymentName]: 'app',
          [RESULT_ANNOTATIONS.deploymentNamespace]: 'ns',
        },
        annotations: {
          [RESULT_ANNOTATIONS.validateResultSummary]: JSON.stringify({
            id: 'v',
            reconcileId: 'rec-1',
            startTime: T0,
            endTime: T1,
            ready: true,
          }),
        },
      },
    })!;
    const shared = sharedReconcileIds([reconciled, validate, empty]);
    assert.deepEqual([...shared], ['rec-1']);
    assert.equal(resultEntry(reconciled, hints([], [...shared]))?.initiator, 'reconcile');
    assert.equal(resultEntry(validate, hints([], [...shared]))?.initiator, 'reconcile');
    // A lone deploy with changes: the stored data cannot tell reconcile from manual request.
    assert.equal(resultEntry(reconciled, hints())?.initiator, 'controller');
    assert.equal(resultEntry(validate, hints())?.initiator, 'controller');
    assert.match(describeEntry(resultEntry(reconciled, hints())!, new Date(T2)).description, /controller/);
  });

  it('shows a failed result with its first error, newest first, results before events at the same time', () => {
    const failed = resultEntry(
      resultSecretInfo(
        resultSecret('f', T2, {
          errors: [{ ref: { kind: 'ConfigMap', name: 'Bad_Name' }, message: 'metadata.name: Invalid value' }],
        }),
      )!,
    )!;
    const event = eventEntry({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', uid: 'e' },
      reason: 'DeployFailed',
      lastTimestamp: T2,
    })!;
    const old = resultEntry(resultSecretInfo(resultSecret('o', T0))!)!;
    const list = mergeTimeline([old, event, failed]);
    assert.deepEqual(
      list.map((e) => e.id),
      ['f', 'e', 'o'],
    );
    const d = describeEntry(failed, new Date(T2));
    assert.equal(d.failed, true);
    assert.match(d.description, /1 errors: metadata\.name: Invalid value/);
    assert.match(d.description, /abcdef0/);
    assert.equal(formatAge(3 * 86_400_000), '3d ago');
  });

  it('keeps at most TIMELINE_LIMITS.results per deployment, the newest, with trimmed summaries', () => {
    const index = new ResultIndex();
    for (let i = 0; i < 50; i++) index.put(resultSecret(`id${i}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    const infos = index.infos(['kd:ns/app']);
    assert.equal(infos.length, TIMELINE_LIMITS.results);
    assert.equal(infos[0].id, 'id49');
    assert.equal(infos.at(-1)!.id, `id${50 - TIMELINE_LIMITS.results}`);
    assert.ok(JSON.stringify(infos[0]).length < 2000, 'target args are not kept');
    index.remove('id49');
    assert.equal(index.infos(['kd:ns/app'])[0].id, 'id48');
    assert.ok(RESULT_INDEX_MAX_KEYS >= 1000);
  });
});

describe('alerts (pure)', () => {
  const ready = presentStatus(
    kluctlDeployment({
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'ok', lastTransitionTime: T0 },
        ],
      },
    }),
  );
  const failed = presentStatus(
    kluctlDeployment({
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'DeployFailed', message: 'deploy failed', lastTransitionTime: T0 },
        ],
      },
    }),
  );

  it('maps statuses to alert states', () => {
    assert.equal(alertStateOf(ready), 'ready');
    assert.equal(alertStateOf(failed), 'failed');
  });

  it('alerts once when a known deployment fails, not again while it stays failed, again after recovery', () => {
    const t = new AlertTracker();
    const s = (state: ReturnType<typeof alertStateOf>) => [{ key: 'a', state, summary: state }];
    assert.deepEqual(t.update(s('ready')), []);
    assert.equal(t.update(s('failed')).length, 1);
    assert.deepEqual(t.update(s('failed')), []);
    assert.deepEqual(t.update(s('reconciling')), []);
    assert.deepEqual(t.update(s('failed')), [], 'a reconcile in between is the same failure');
    assert.deepEqual(t.update(s('ready')), []);
    assert.equal(t.update(s('failed'))[0].state, 'failed');
    const fresh = new AlertTracker();
    assert.deepEqual(fresh.update(s('failed')), [], 'no alert for what was already failed when first seen');
  });

  it('summarizes states for the status bar', () => {
    const s = summarizeStates(['ready', 'failed', 'ready', 'drift']);
    assert.equal(s.worst, 'failed');
    assert.equal(s.text, '1 failed, 1 drifted, 2 ready');
  });
});

describe('result comparison, report and inventory (pure)', () => {
  const cm = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'ns',
      resourceVersion: String(Math.random()),
      managedFields: [{ manager: 'm', operation: 'Apply' as const, apiVersion: 'v1' }],
    },
    data,
    ...extra,
  });
  const ref = (name: string, kind = 'ConfigMap') => ({ version: 'v1', kind, name, namespace: 'ns' });
  const stored = (objects: Array<{ name: string; data: Record<string, string>; kind?: string }>) => ({
    result: { objects: objects.map((o) => ({ ref: ref(o.name, o.kind) })) } as CommandResult,
    compacted: objects.map((o) => ({
      ref: ref(o.name, o.kind),
      applied: { ...cm(o.name, o.data), kind: o.kind ?? 'ConfigMap' },
    })),
  });

  it("groups a result's objects for its read-only tree, bounded, and opens each masked", () => {
    const secret = (v: string) => ({ ...cm('s', { k: Buffer.from(v).toString('base64') }), kind: 'Secret' });
    const result = {
      objects: [
        { ref: ref('c'), changes: [{ type: 'update', jsonPath: 'data.color', oldValue: 'blue', newValue: 'green' }] },
        { ref: ref('n'), new: true },
        { ref: ref('o'), orphan: true },
        { ref: ref('s', 'Secret'), new: true },
        ...Array.from({ length: 7 }, (_, i) => ({ ref: ref(`u${i}`) })),
      ],
    } as CommandResult;
    const compacted = [
      { ref: ref('c'), remote: cm('c', { color: 'blue' }), applied: cm('c', { color: 'green' }) },
      { ref: ref('n'), applied: cm('n', { a: '1' }) },
      { ref: ref('o'), remote: cm('o', { old: 'yes' }) },
      { ref: ref('s', 'Secret'), applied: secret('hunter2') },
      ...Array.from({ length: 7 }, (_, i) => ({ ref: ref(`u${i}`), applied: cm(`u${i}`, { i: String(i) }) })),
    ];
    const groups = resultObjectGroups(result, 5);
    assert.deepEqual(
      groups.map((g) => `${g.status} ${g.objects.length}/${g.total}`),
      ['changed 1/1', 'new 2/2', 'orphan 1/1', 'unchanged 5/7'],
    );
    assert.deepEqual(
      groups[1].objects.map((o) => `${o.ref.kind}/${o.ref.name}`),
      ['ConfigMap/n', 'Secret/s'],
    );
    const changed = resultObjectDocument(result, compacted, ref('c'))!;
    assert.equal(changed.status, 'changed');
    assert.match(changed.left!, /color: blue/);
    assert.match(changed.right!, /color: green/);
    assert.doesNotMatch(changed.right!, /managedFields|resourceVersion/);
    const orphan = resultObjectDocument(result, compacted, ref('o'))!;
    assert.equal(orphan.right, undefined);
    assert.match(orphan.left!, /old: "yes"/);
    const masked = resultObjectDocument(result, compacted, ref('s', 'Secret'))!;
    assert.doesNotMatch(masked.right!, /aHVudGVyMg|hunter2/);
    const unchanged = resultObjectDocument(result, compacted, ref('u6'))!;
    assert.equal(unchanged.status, 'unchanged');
    assert.match(unchanged.right!, /i: "6"/);
    assert.equal(resultObjectDocument(result, compacted, ref('missing')), undefined);
  });

  it('lists exactly the objects whose applied manifests differ, Secrets masked', () => {
    const older = stored([
      { name: 'same', data: { a: '1' } },
      { name: 'changed', data: { color: 'blue' } },
      { name: 'gone', data: {} },
      { name: 's', kind: 'Secret', data: { k: Buffer.from('old').toString('base64') } },
    ]);
    const newer = stored([
      { name: 'same', data: { a: '1' } },
      { name: 'changed', data: { color: 'green' } },
      { name: 'added', data: {} },
      { name: 's', kind: 'Secret', data: { k: Buffer.from('new').toString('base64') } },
    ]);
    const diffs = compareResults(older, newer);
    assert.deepEqual(
      diffs.map((d) => `${d.status} ${d.ref.kind}/${d.ref.name}`),
      ['new ConfigMap/added', 'changed ConfigMap/changed', 'deleted ConfigMap/gone', 'changed Secret/s'],
    );
    const changed = diffs[1];
    assert.match(changed.left!, /color: blue/);
    assert.match(changed.right!, /color: green/);
    assert.doesNotMatch(changed.left!, /resourceVersion|managedFields/);
    const secret = diffs[3];
    assert.doesNotMatch(secret.left! + secret.right!, /b2xk|bmV3/, 'no Secret value');
    assert.match(secret.right!, /\(changed\)/);
  });

  it('renders a result report with errors and changes, and a validation table', () => {
    const text = commandResultReport({
      id: 'x',
      reconcileId: 'r',
      projectKey: {},
      targetKey: { clusterId: 'c' },
      target: { name: 't' },
      clusterInfo: { clusterId: 'c' },
      command: { initiator: 'KluctlDeployment', command: 'deploy', startTime: T0, endTime: T1 },
      objects: [
        { ref: ref('a'), new: true },
        {
          ref: ref('b'),
          changes: [{ type: 'update', jsonPath: 'data.color', oldValue: 'x', newValue: 'y', unifiedDiff: '-x\n+y' }],
        },
        { ref: ref('c'), orphan: true },
      ],
      errors: [{ ref: ref('d'), message: 'boom' }],
    });
    assert.match(text, /1 new · 1 changed · 0 deleted · 1 orphan · 1 errors/);
    assert.match(text, /## Errors\n\n- `ns\/ConfigMap\/d`: boom/);
    assert.match(text, /```diff\n-x\n\+y\n```/);
    const rows = validationTable({
      errors: [{ ref: ref('b'), message: 'not ready' }],
      warnings: [{ ref: ref('a'), message: 'slow' }],
    });
    assert.deepEqual(
      rows.map((r) => `${r.object} ${r.severity}`),
      ['ns/ConfigMap/a warning', 'ns/ConfigMap/b error'],
    );
  });

  it('lists the inventory of a result, drifted objects marked, deleted/orphan left out', () => {
    const items = inventoryOf(
      {
        objects: [
          { ref: ref('b'), applied: cm('b', {}) },
          { ref: ref('a'), applied: cm('a', {}) },
          { ref: ref('o'), orphan: true, remote: cm('o', {}) },
        ],
      },
      {
        id: 'd',
        reconcileId: 'r',
        projectKey: {},
        targetKey: { clusterId: 'c' },
        startTime: T0,
        endTime: T1,
        objects: [{ ref: ref('b'), changes: [{ type: 'update', jsonPath: 'data.x' }], lastResourceVersion: '1' }],
      },
    );
    assert.deepEqual(
      items.map((i) => `${i.ref.name}:${i.drift ?? ''}:${i.apiVersion}`),
      ['a::v1', 'b:changed:v1'],
    );
  });
});
