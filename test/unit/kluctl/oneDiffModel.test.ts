import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { compactObjects } from '../../../src/kluctl/compactedObjects.js';
import { diffObjects } from '../../../src/engine/diff/changes.js';
import { commandResultDiffs, decodeCompactedObjects } from '../../../src/gitops/resultDocuments.js';
import { decodeCommandResult, RESULT_DATA_KEYS, type SecretObject } from '../../../src/kluctl/results.js';
import type { CommandResult, ResultObject } from '../../../src/kluctl/resultTypes.js';
import type { KubeObject } from '../../../src/kube/objects.js';

/**
 * The same edit through both sources of results. The engine hands over its objects as the API server and the
 * renderer wrote them (`kind` before `apiVersion` on the cluster's side); the controller stores them as Kluctl does
 * (gzip'd JSON, keys sorted, later sides as diff-match-patch deltas). Both must give the same documents.
 */

const b64 = (s: string): string => Buffer.from(s).toString('base64');

// The cluster's objects, in the API server's key order.
const remoteSecret: KubeObject = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 'db', namespace: 'app2', resourceVersion: '42', uid: 'u1', managedFields: [] },
  type: 'Opaque',
  data: { password: b64('hunter2'), user: b64('admin') },
};
const remoteConfigMap: KubeObject = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name: 'cfg', namespace: 'app2', resourceVersion: '43', labels: { b: '1', a: '2' } },
  data: { greeting: 'hello' },
};
// The rendered and applied ones, in the manifest's key order.
const appliedSecret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace: 'app2', name: 'db', resourceVersion: '42', uid: 'u1' },
  data: { user: b64('admin'), password: b64('s3cret'), added: b64('new') },
  type: 'Opaque',
};
const appliedConfigMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'app2', resourceVersion: '43', labels: { a: '2', b: '1' } },
  data: { greeting: 'hi' },
};

function engineResult(): CommandResult {
  const object = (remote: KubeObject, applied: KubeObject): ResultObject => ({
    ref: { version: 'v1', kind: remote.kind, name: remote.metadata.name, namespace: remote.metadata.namespace },
    changes: diffObjects(remote, applied),
    rendered: applied,
    remote,
    applied,
  });
  return {
    id: 'r1',
    reconcileId: '',
    projectKey: {},
    targetKey: { clusterId: 'c' },
    target: { name: 'prod' },
    clusterInfo: { clusterId: 'c' },
    objects: [object(remoteConfigMap, appliedConfigMap), object(remoteSecret, appliedSecret)],
  };
}

/** The controller's result Secret for the same run: the reduced result plus the compacted objects. */
function controllerSecret(result: CommandResult): SecretObject {
  const gz = (v: unknown): string => gzipSync(JSON.stringify(v)).toString('base64');
  const reduced = {
    ...result,
    objects: result.objects!.map(({ ref, changes }) => ({ ref, changes })),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'result', namespace: 'kluctl-results' },
    data: {
      [RESULT_DATA_KEYS.commandResult]: gz(reduced),
      [RESULT_DATA_KEYS.compactedObjects]: gz(compactObjects(result.objects!)),
    },
  };
}

function bothPaths(revealSecrets: boolean) {
  const raw = engineResult();
  const engine = commandResultDiffs(raw, raw.objects, { revealSecrets });
  const secret = controllerSecret(engineResult());
  const controller = commandResultDiffs(decodeCommandResult(secret), decodeCompactedObjects(secret), {
    revealSecrets,
  });
  return { engine, controller };
}

const topKeys = (yaml: string | undefined): string[] =>
  (yaml ?? '')
    .split('\n')
    .filter((l) => /^[A-Za-z]/.test(l))
    .map((l) => l.split(':')[0]);

describe('one diff model: the controller path and the engine path', () => {
  it('give the same documents and the same masked changes for the same edit', () => {
    const { engine, controller } = bothPaths(false);
    assert.equal(engine.diffs.length, 2);
    assert.deepEqual(engine.diffs, controller.diffs);
    assert.deepEqual(
      engine.result.objects!.map((o) => o.changes),
      controller.result.objects!.map((o) => o.changes),
    );
  });

  it('order keys as Kluctl does on both sides: no key moves between left and right', () => {
    for (const diff of bothPaths(false).engine.diffs) {
      assert.deepEqual(topKeys(diff.left), [
        'apiVersion',
        'data',
        'kind',
        'metadata',
        ...(diff.ref.kind === 'Secret' ? ['type'] : []),
      ]);
      assert.deepEqual(topKeys(diff.left), topKeys(diff.right));
    }
    const cm = bothPaths(false).engine.diffs.find((d) => d.ref.kind === 'ConfigMap')!;
    assert.match(cm.left!, /labels:\n {4}a: "2"\n {4}b: "1"/);
    assert.match(cm.right!, /labels:\n {4}a: "2"\n {4}b: "1"/);
  });

  it('mask Secret values once and show the changed one as changed on the right side', () => {
    const secret = bothPaths(false).engine.diffs.find((d) => d.ref.kind === 'Secret')!;
    assert.equal(
      secret.left,
      'apiVersion: v1\ndata:\n  password: "*****"\n  user: "*****"\nkind: Secret\nmetadata:\n  name: db\n  namespace: app2\ntype: Opaque\n',
    );
    assert.equal(
      secret.right,
      'apiVersion: v1\ndata:\n  added: "*****"\n  password: "***** (changed)"\n  user: "*****"\nkind: Secret\nmetadata:\n  name: db\n  namespace: app2\ntype: Opaque\n',
    );
    const all = JSON.stringify(bothPaths(false));
    for (const value of ['hunter2', 's3cret', 'admin', b64('hunter2'), b64('s3cret'), b64('admin')])
      assert.ok(!all.includes(value), `${value} does not leak`);
    assert.ok(
      !JSON.stringify(bothPaths(false).engine.diffs).includes(b64('*****')),
      'documents never show base64 of the mask',
    );
    const [change] = bothPaths(false).engine.result.objects![1].changes!;
    assert.equal(change.jsonPath, 'data.added');
  });

  it('with revealSecrets show the real values on both sides, the same on both paths', () => {
    const { engine, controller } = bothPaths(true);
    assert.deepEqual(engine.diffs, controller.diffs);
    const secret = engine.diffs.find((d) => d.ref.kind === 'Secret')!;
    assert.match(secret.left!, new RegExp(`password: ${b64('hunter2')}`));
    assert.match(secret.right!, new RegExp(`password: ${b64('s3cret')}`));
    assert.ok(!JSON.stringify(engine).includes('*****'));
  });
});
