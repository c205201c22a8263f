import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  countObjects,
  decodeCommandResult,
  decodeSecretPayload,
  decodeValidateResult,
  findResultSecretSelector,
  objectRefString,
  resultSecretDeployment,
  resultSecretInfo,
  summarizeObjects,
  type SecretObject,
} from '../../../src/kluctl/results.js';
import type { CommandResult, ResultObject, ValidateResult } from '../../../src/kluctl/resultTypes.js';

const gzipBase64 = (value: unknown): string =>
  gzipSync(Buffer.from(JSON.stringify(value)), { level: 9 }).toString('base64');

const header = {
  id: '5b0d9c43-4a43-4d0f-a3e3-4b8b2b3b9c01',
  reconcileId: '0e6f3a52-7bb4-4f6e-9f39-1a2b3c4d5e6f',
  projectKey: { repoKey: 'git://github.com/kluctl/kluctl-examples', subDir: 'simple' },
  targetKey: { targetName: 'simple', clusterId: '2f6bd6a3-0c53-4b0c-9b1c-7c1f4e1f4d01' },
};

const objects: ResultObject[] = [
  {
    ref: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', namespace: 'simple' },
    changes: [{ type: 'update', jsonPath: 'spec.replicas', oldValue: 1, newValue: 2, unifiedDiff: '-1\n+2' }],
  },
  { ref: { version: 'v1', kind: 'Namespace', name: 'simple' }, new: true },
  { ref: { version: 'v1', kind: 'ConfigMap', name: 'b-old', namespace: 'simple' }, orphan: true },
  { ref: { version: 'v1', kind: 'ConfigMap', name: 'a-old', namespace: 'simple' }, orphan: true },
  { ref: { version: 'v1', kind: 'Service', name: 'gone', namespace: 'simple' }, deleted: true },
  { ref: { group: 'batch', version: 'v1', kind: 'Job', name: 'migrate', namespace: 'simple' }, hook: true, new: true },
  { ref: { version: 'v1', kind: 'ConfigMap', name: 'same', namespace: 'simple' }, changes: [] },
];

const commandResult: CommandResult = {
  ...header,
  target: { name: 'simple', context: 'default' },
  command: {
    initiator: 'KluctlDeployment',
    startTime: '2026-06-25T10:00:00Z',
    endTime: '2026-06-25T10:00:09Z',
    command: 'diff',
  },
  clusterInfo: { clusterId: header.targetKey.clusterId },
  objects,
  errors: [],
  warnings: [],
};

const validateResult: ValidateResult = {
  ...header,
  startTime: '2026-06-25T10:00:00Z',
  endTime: '2026-06-25T10:00:01Z',
  ready: true,
};

function resultSecret(
  kind: 'command' | 'validate',
  where: 'labels' | 'annotations',
  data: Record<string, string>,
  summary: string = JSON.stringify({ ...header, newObjects: 2 }),
): SecretObject {
  const idLabel = kind === 'command' ? 'kluctl.io/command-result-id' : 'kluctl.io/validate-result-id';
  const deployment = {
    'kluctl.io/result-deployment-name': 'podinfo',
    'kluctl.io/result-deployment-namespace': 'kluctl-system',
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `${kind === 'command' ? 'cr' : 'vr'}-kluctl-examples-${header.id}`,
      namespace: 'kluctl-results',
      labels: { 'kluctl.io/result': 'true', [idLabel]: header.id, ...(where === 'labels' ? deployment : {}) },
      annotations: {
        [`kluctl.io/${kind}-result-summary`]: summary,
        'kluctl.io/result-project-repo-key': header.projectKey.repoKey,
        'kluctl.io/result-project-subdir': header.projectKey.subDir,
        ...(where === 'annotations' ? deployment : {}),
      },
    },
    type: 'Opaque',
    data,
  };
}

describe('gitops/results', () => {
  describe('decodeSecretPayload', () => {
    it('decodes base64 → gunzip → JSON', () => {
      assert.deepEqual(decodeSecretPayload(gzipBase64(commandResult)), commandResult);
    });

    it('reports a payload that is not gzip, not JSON, or truncated', () => {
      assert.throws(() => decodeSecretPayload(Buffer.from('{"id":"x"}').toString('base64')), /not gzip data/);
      assert.throws(() => decodeSecretPayload(gzipSync(Buffer.from('not json')).toString('base64')), /not JSON/);
      const truncated = gzipSync(Buffer.from(JSON.stringify(commandResult)))
        .subarray(0, 30)
        .toString('base64');
      assert.throws(() => decodeSecretPayload(truncated), /cannot be decompressed/);
    });
  });

  describe('findResultSecretSelector', () => {
    it('selects result Secrets by the id label of their kind', () => {
      assert.equal(findResultSecretSelector('command', 'abc'), 'kluctl.io/result=true,kluctl.io/command-result-id=abc');
      assert.equal(
        findResultSecretSelector('validate', 'abc'),
        'kluctl.io/result=true,kluctl.io/validate-result-id=abc',
      );
    });
  });

  describe('resultSecretInfo and resultSecretDeployment', () => {
    it('reads the deployment from annotations (v2.27+) and from labels (v2.22–v2.26)', () => {
      for (const where of ['annotations', 'labels'] as const) {
        const info = resultSecretInfo(resultSecret('command', where, {}));
        assert.deepEqual(info?.deployment, { name: 'podinfo', namespace: 'kluctl-system' }, where);
        assert.equal(info?.kind, 'command');
        assert.equal(info?.id, header.id);
        assert.deepEqual(info?.projectKey, header.projectKey);
        assert.equal((info?.summary as { newObjects: number }).newObjects, 2);
      }
    });

    it('prefers annotations when both are present', () => {
      const secret = resultSecret('validate', 'labels', {});
      secret.metadata.annotations!['kluctl.io/result-deployment-name'] = 'renamed';
      secret.metadata.annotations!['kluctl.io/result-deployment-namespace'] = 'elsewhere';
      assert.deepEqual(resultSecretDeployment(secret), { name: 'renamed', namespace: 'elsewhere' });
      assert.equal(resultSecretInfo(secret)?.kind, 'validate');
    });

    it('ignores Secrets that are no results and summaries that are not JSON', () => {
      assert.equal(
        resultSecretInfo({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'x', labels: { 'kluctl.io/result': 'true' } },
        }),
        undefined,
      );
      assert.equal(resultSecretInfo(resultSecret('command', 'annotations', {}, '{broken'))?.summary, undefined);
    });
  });

  describe('decodeCommandResult and decodeValidateResult', () => {
    it('decode the reducedResult and result payloads', () => {
      assert.deepEqual(
        decodeCommandResult(resultSecret('command', 'annotations', { reducedResult: gzipBase64(commandResult) })),
        commandResult,
      );
      assert.deepEqual(
        decodeValidateResult(resultSecret('validate', 'annotations', { result: gzipBase64(validateResult) })),
        validateResult,
      );
    });

    it('name the Secret and the missing key when the payload is absent', () => {
      assert.throws(
        () => decodeCommandResult(resultSecret('command', 'annotations', {})),
        /kluctl-results\/cr-kluctl-examples-.* has no data "reducedResult"/,
      );
    });
  });

  describe('summarizeObjects', () => {
    it('splits objects into new, changed, deleted, orphan and hooks, each sorted by ref', () => {
      const summary = summarizeObjects(commandResult);
      const refs = (list: ResultObject[]): string[] => list.map((o) => objectRefString(o.ref));
      assert.deepEqual(refs(summary.new), ['Namespace/simple', 'simple/Job/migrate']);
      assert.deepEqual(refs(summary.changed), ['simple/Deployment/web']);
      assert.deepEqual(refs(summary.deleted), ['simple/Service/gone']);
      assert.deepEqual(refs(summary.orphan), ['simple/ConfigMap/a-old', 'simple/ConfigMap/b-old']);
      assert.deepEqual(refs(summary.hooks), ['simple/Job/migrate']);
      assert.deepEqual(countObjects(objects), { new: 2, changed: 1, deleted: 1, orphan: 2 });
    });

    it('handles a result without objects', () => {
      assert.deepEqual(summarizeObjects({}), { new: [], changed: [], deleted: [], orphan: [], hooks: [] });
    });
  });
});
