import * as assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/kube/objects.js';
import { validateObject } from '../../../src/engine/cluster/readiness.js';
import { hookOf, parseGoDuration } from '../../../src/engine/cluster/hooks.js';
import { prettyTable, formatCommandResultText } from '../../../src/engine/cluster/text.js';
import { collectObjects, withoutDeleted } from '../../../src/engine/cluster/result.js';
import { buildSummary } from '../../../src/kluctl/results.js';
import { fixObjectForPatch } from '../../../src/engine/cluster/fixForPatch.js';
import { compactObjects } from '../../../src/kluctl/compactedObjects.js';
import { secretName } from '../../../src/kluctl/resultStore.js';
import { decodeCompactedObjects } from '../../../src/gitops/resultDocuments.js';
import { gzipSync } from 'node:zlib';

const obj = (
  apiVersion: string,
  kind: string,
  extra: Record<string, unknown> = {},
  annotations?: Record<string, string>,
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns', annotations, generation: 1 },
  ...extra,
});

describe('engine cluster: readiness (Kluctl ValidateObject)', () => {
  const ready = (o: KubeObject, statusRequired?: boolean) =>
    validateObject(o, { notReadyIsError: true, statusRequired });

  it('kluctl.io/is-ready overrides everything; validate-ignore is always ready', () => {
    assert.equal(ready(obj('batch/v1', 'Job', { status: {} }, { 'kluctl.io/is-ready': 'true' })).ready, true);
    assert.deepEqual(ready(obj('v1', 'ConfigMap', {}, { 'kluctl.io/is-ready': 'false' })).errors, [
      'kluctl.io/is-ready annotation is set to false',
    ]);
    assert.equal(ready(obj('batch/v1', 'Job', { status: {} }, { 'kluctl.io/validate-ignore': 'true' })).ready, true);
  });

  it('no status: ready unless the schema has one, and then only after 15 s', () => {
    assert.equal(ready(obj('v1', 'ConfigMap')).ready, true);
    const young = obj('apps/v1', 'Deployment');
    young.metadata.creationTimestamp = new Date().toISOString();
    assert.deepEqual(ready(young, true).errors, ['no status available yet']);
    young.metadata.creationTimestamp = new Date(Date.now() - 20_000).toISOString();
    assert.equal(ready(young, true).ready, true);
  });

  it('observedGeneration, Deployments, Jobs, Pods, PVCs, Services, CRDs, StatefulSets, DaemonSets', () => {
    assert.deepEqual(
      ready(obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 0 } })).errors,
      ['Waiting for reconciliation'],
    );
    assert.deepEqual(
      ready(
        obj('apps/v1', 'Deployment', {
          spec: { replicas: 2 },
          status: { observedGeneration: 1, replicas: 2, readyReplicas: 1 },
        }),
      ).errors,
      ['readyReplicas (1) is less then replicas (2)'],
    );
    assert.deepEqual(ready(obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { replicas: 2 } })).errors, [
      'readyReplicas field not in status or empty',
    ]);
    assert.equal(ready(obj('apps/v1', 'Deployment', { spec: { replicas: 0 }, status: {} })).ready, true);
    assert.deepEqual(
      ready(
        obj('batch/v1', 'Job', {
          status: { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] },
        }),
      ).errors,
      ['BackoffLimitExceeded'],
    );
    assert.deepEqual(ready(obj('batch/v1', 'Job', { status: { active: 1 } })).errors, ['Not completed']);
    assert.equal(
      ready(obj('batch/v1', 'Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } })).ready,
      true,
    );
    assert.deepEqual(
      ready(
        obj('v1', 'Pod', {
          status: { containerStatuses: [{ name: 'c', state: { terminated: { reason: 'Error' } } }], conditions: [] },
        }),
      ).errors,
      ['container c exited with error', 'Ready condition not in status', 'Not ready'],
    );
    assert.deepEqual(ready(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } })).errors, [
      'Volume is not bound',
    ]);
    assert.deepEqual(ready(obj('v1', 'Service', { spec: { type: 'ClusterIP' }, status: {} })).errors, [
      'Service does not have a cluster IP',
    ]);
    assert.deepEqual(
      ready(obj('v1', 'Service', { spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1' }, status: {} })).errors,
      ['Not ready'],
    );
    assert.equal(
      ready(
        obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
          status: { conditions: [{ type: 'Established', status: 'True' }] },
        }),
      ).ready,
      true,
    );
    assert.deepEqual(
      ready(
        obj('apps/v1', 'StatefulSet', {
          spec: { updateStrategy: { type: 'RollingUpdate' }, replicas: 3 },
          status: { updatedReplicas: 3, readyReplicas: 2 },
        }),
      ).errors,
      ['StatefulSet is not ready. 2 out of 3 expected pods are ready'],
    );
    const ds = obj('apps/v1', 'DaemonSet', {
      spec: { updateStrategy: { type: 'RollingUpdate', maxUnavailable: '50%' } },
      status: { updatedNumberScheduled: 4, desiredNumberScheduled: 4, numberReady: 1 },
    });
    assert.deepEqual(ready(ds).errors, ['DaemonSet is not ready. 1 out of 2 expected pods are ready']);
  });

  it('not-ready is a warning while waiting, an error when validating; results come from annotations', () => {
    const v = validateObject(obj('batch/v1', 'Job', { status: {} }, { 'validate-result.kluctl.io/check': 'ok' }), {
      notReadyIsError: false,
    });
    assert.deepEqual(v, {
      ready: false,
      errors: [],
      warnings: ['Not completed'],
      results: [{ annotation: 'validate-result.kluctl.io/check', message: 'ok' }],
    });
  });
});

describe('engine cluster: hooks, durations, patch fixes', () => {
  const problems = () => {
    const seen: string[] = [];
    return { seen, p: { error: (m: string) => seen.push(`E ${m}`), warning: (m: string) => seen.push(`W ${m}`) } };
  };

  it('reads kluctl and helm hook annotations, weights and delete policies', () => {
    const { seen, p } = problems();
    const h = hookOf(
      obj(
        'batch/v1',
        'Job',
        {},
        { 'helm.sh/hook': 'pre-install,post-upgrade', 'helm.sh/hook-weight': '-5', 'kluctl.io/hook-timeout': '1m30s' },
      ),
      p,
    );
    assert.deepEqual([...h!.hooks].sort(), ['post-deploy-upgrade', 'pre-deploy-initial']);
    assert.equal(h!.weight, -5);
    assert.deepEqual([...h!.deletePolicies], ['before-hook-creation']);
    assert.equal(h!.timeoutMs, 90_000);
    assert.equal(h!.wait, true);
    assert.deepEqual(seen, []);
    assert.equal(hookOf(obj('v1', 'ConfigMap'), p), undefined);
    hookOf(
      obj('v1', 'ConfigMap', {}, { 'kluctl.io/hook': 'pre-whatever', 'kluctl.io/hook-delete-policy': 'never' }),
      p,
    );
    assert.deepEqual(seen, [
      "E unsupported kluctl.io/hook 'pre-whatever'",
      "E unsupported kluctl.io/hook-delete-policy 'never'",
    ]);
  });

  it('parses Go durations', () => {
    assert.equal(parseGoDuration('5m'), 300_000);
    assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('5 minutes'), undefined);
  });

  it('adds TCP to ports and makes CPU quantities strings, without touching the input', () => {
    const d = obj('apps/v1', 'Deployment', {
      spec: {
        template: { spec: { containers: [{ ports: [{ containerPort: 80 }], resources: { requests: { cpu: 0.5 } } }] } },
        ports: [{ port: 1 }],
      },
    });
    interface Fixed {
      spec: {
        template: {
          spec: {
            containers: Array<{ ports: Array<{ protocol?: string }>; resources: { requests: { cpu: unknown } } }>;
          };
        };
        ports: Array<{ protocol?: string }>;
      };
    }
    const fixed = fixObjectForPatch(d) as unknown as Fixed;
    assert.equal(fixed.spec.template.spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(fixed.spec.template.spec.containers[0].resources.requests.cpu, '0.5');
    assert.equal(fixed.spec.ports[0].protocol, 'TCP');
    assert.equal((d as unknown as Fixed).spec.ports[0].protocol, undefined);
  });
});

describe('engine cluster: results and text output', () => {
  const cm = (name: string, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', annotations },
  });
  const dep: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' } };

  it('collects by diff-name, flags new only without changes, drops unflagged remote-only objects, sorts by GVK', () => {
    const objects = collectObjects({
      rendered: [dep, cm('b2', { 'kluctl.io/diff-name': 'b' })],
      remote: [cm('b'), cm('stray')],
      applied: [dep, cm('b2', { 'kluctl.io/diff-name': 'b' })],
      changed: [
        {
          ref: { version: 'v1', kind: 'ConfigMap', name: 'b', namespace: 'ns' },
          changes: [{ type: 'update', jsonPath: 'data.x', unifiedDiff: '-1\n+2' }],
        },
      ],
      newRefs: [{ group: 'apps', version: 'v1', kind: 'Deployment', name: 'd', namespace: 'ns' }],
      orphans: [{ version: 'v1', kind: 'ConfigMap', name: 'old', namespace: 'ns' }],
    });
    assert.deepEqual(
      objects.map((o) => [o.ref.kind, o.ref.name, !!o.new, !!o.orphan, o.changes?.length ?? 0]),
      [
        ['ConfigMap', 'b', false, false, 1],
        ['ConfigMap', 'old', false, true, 0],
        ['Deployment', 'd', true, false, 0],
      ],
    );
    const summary = buildSummary({
      id: '',
      reconcileId: '',
      projectKey: {},
      targetKey: { clusterId: '' },
      target: { name: '' },
      clusterInfo: { clusterId: '' },
      command: { initiator: 'CommandLine', startTime: '', endTime: '' },
      objects,
    });
    assert.deepEqual(
      [
        summary.renderedObjects,
        summary.remoteObjects,
        summary.appliedObjects,
        summary.newObjects,
        summary.changedObjects,
        summary.orphanObjects,
        summary.totalChanges,
      ],
      [2, 1, 2, 1, 1, 1, 1],
    );
  });

  it('an orphan inside a deleted namespace is no orphan any more', () => {
    const left = withoutDeleted(
      [
        { version: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'gone' },
        { version: 'v1', kind: 'ConfigMap', name: 'b', namespace: 'kept' },
      ],
      [{ version: 'v1', kind: 'Namespace', name: 'gone' }],
    );
    assert.deepEqual(
      left.map((r) => r.name),
      ['b'],
    );
  });

  it('lays out the pretty table like kluctl: first column capped at 60, last fills the width, long cells wrap', () => {
    const t = prettyTable(
      [
        ['Path', 'Diff'],
        ['data.d1', '-v1\n+v2'],
      ],
      [60],
      30,
    );
    assert.equal(
      t,
      [
        '+---------+------------------+',
        '| Path    | Diff             |',
        '+---------+------------------+',
        '| data.d1 | -v1              |',
        '|         | +v2              |',
        '+---------+------------------+',
        '',
      ].join('\n'),
    );
    const wrapped = prettyTable(
      [
        ['Path', 'Diff'],
        ['p', 'x'.repeat(30)],
      ],
      [60],
      20,
    );
    assert.equal(
      wrapped.split('\n').filter((l) => l.startsWith('| p') || l.startsWith('|  ')).length,
      4,
      'thirty characters in a nine-wide column take four lines',
    );
  });

  it('prints warnings first, then new, changed (with diffs), deleted, hooks, orphans, errors', () => {
    const text = formatCommandResultText(
      {
        id: '',
        reconcileId: '',
        projectKey: {},
        targetKey: { clusterId: '' },
        target: { name: '' },
        clusterInfo: { clusterId: '' },
        objects: [
          {
            ref: { version: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'ns' },
            changes: [{ type: 'update', jsonPath: 'data.x', unifiedDiff: '-1\n+2' }],
          },
          { ref: { version: 'v1', kind: 'Namespace', name: 'ns' }, new: true },
          { ref: { version: 'v1', kind: 'ConfigMap', name: 'o', namespace: 'ns' }, orphan: true },
        ],
        warnings: [{ ref: { kind: '', name: '' }, message: 'careful' }],
        errors: [{ ref: { version: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'ns' }, message: 'boom' }],
      },
      { columns: 40 },
    );
    assert.equal(
      text,
      [
        '',
        'Warnings:',
        '  careful',
        '',
        'New objects:',
        '  Namespace/ns',
        '',
        'Changed objects:',
        '  ns/ConfigMap/a',
        '',
        'Diff for object ns/ConfigMap/a',
        '+--------+-----------------------------+',
        '| Path   | Diff                        |',
        '+--------+-----------------------------+',
        '| data.x | -1                          |',
        '|        | +2                          |',
        '+--------+-----------------------------+',
        '',
        'Orphan objects:',
        '  ns/ConfigMap/o',
        '',
        'Errors:',
        '  ns/ConfigMap/a: boom',
        '',
      ].join('\n'),
    );
  });
});

describe('engine cluster: compacted objects (kluctl -o yaml and result Secrets)', () => {
  it('stores the first manifest in full and the next ones as diff-match-patch deltas that the result reader decodes', () => {
    const rendered: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'ns' },
      data: { text: 'x'.repeat(200) },
    };
    const applied: KubeObject = { ...rendered, metadata: { ...rendered.metadata, uid: '1234' } };
    const encoded = compactObjects([
      { ref: { version: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'ns' }, new: true, rendered, applied },
    ]);
    assert.match(encoded[0].rendered!, /^full: \{"apiVersion":"v1","data":/, 'keys sorted like Go');
    assert.match(encoded[0].applied!, /^delta: /);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { compactedObjects: gzipSync(Buffer.from(JSON.stringify(encoded))).toString('base64') },
    };
    const decoded = decodeCompactedObjects(secret)!;
    assert.deepEqual(decoded[0].rendered, rendered);
    assert.deepEqual(decoded[0].applied, applied);
    assert.equal(decoded[0].new, true);
  });

  it('names result Secrets like kluctl: cr-<repo>-<id>, the repo name cut to fit 63 characters', () => {
    const id = '01234567-89ab-cdef-0123-456789abcdef';
    assert.equal(secretName('cr', id, 'git://github.com/acme/my_deploy.git'), `cr-my-deploygit-${id}`);
    assert.equal(secretName('cr', id, undefined), `cr-${id}`);
    assert.equal(secretName('cr', id, `git://h/${'x'.repeat(80)}`).length, 63);
  });
});
