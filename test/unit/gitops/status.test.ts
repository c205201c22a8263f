import * as assert from 'node:assert/strict';
import { presentStatus, REQUEST_STALL_MS, type DeploymentState } from '../../../src/gitops/status.js';
import { DRIFT_ICON, statusIcon, validationIcon } from '../../../src/gitops/statusIcons.js';
import type { Condition, KluctlDeploymentStatus } from '../../../src/kluctl/types.js';
import type { CommandResultSummary, ValidateResult } from '../../../src/kluctl/resultTypes.js';
import { kluctlDeployment, T0, T1, T2 } from './kdFixtures.js';

const header = {
  id: '6f1c2b1e-3f0a-4c55-9a51-0d5b8a7d0c11',
  reconcileId: 'b7d8b1a4-0b9c-4f0e-8a43-7e1b3c1e2d55',
  projectKey: { repoKey: 'git://github.com/kluctl/kluctl-examples', subDir: 'simple' },
  targetKey: { targetName: 'simple', clusterId: '2f6bd6a3-0c53-4b0c-9b1c-7c1f4e1f4d01' },
};

const readyCondition = (status: Condition['status'], reason: string, message: string, at = T1): Condition => ({
  type: 'Ready',
  status,
  reason,
  message,
  lastTransitionTime: at,
  observedGeneration: 3,
});

const reconcilingCondition = (message: string, at = T2): Condition => ({
  type: 'Reconciling',
  status: 'True',
  reason: 'Progressing',
  message,
  lastTransitionTime: at,
  observedGeneration: 3,
});

const lastDeployResult: CommandResultSummary = {
  ...header,
  target: { name: 'simple', context: 'default' },
  commandInfo: { initiator: 'KluctlDeployment', startTime: T0, endTime: T1, command: 'deploy' },
  renderedObjects: 5,
  remoteObjects: 5,
  appliedObjects: 5,
  appliedHookObjects: 0,
  newObjects: 2,
  changedObjects: 1,
  orphanObjects: 1,
  deletedObjects: 0,
  errors: [],
  warnings: [{ ref: { kind: 'Deployment', name: 'podinfo', namespace: 'simple' }, message: 'readiness timeout' }],
  totalChanges: 3,
};

const lastValidateResult: ValidateResult = {
  ...header,
  startTime: T1,
  endTime: T1,
  ready: true,
  warnings: [],
  errors: [],
  results: [],
};

/** A healthy, deployed, validated KD with one drifted object. */
const healthyStatus = (): KluctlDeploymentStatus => ({
  observedGeneration: 3,
  observedCommit: '9f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6',
  projectKey: header.projectKey,
  targetKey: header.targetKey,
  lastObjectsHash: 'c0ffee',
  conditions: [
    readyCondition(
      'True',
      'ReconciliationSucceeded',
      'deploy succeeded. 2 new objects. 1 changed objects. validate succeeded.',
    ),
  ],
  lastDeployResult,
  lastValidateResult,
  lastDriftDetectionResult: {
    ...header,
    startTime: T1,
    endTime: T1,
    objects: [
      {
        ref: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'podinfo', namespace: 'simple' },
        changes: [{ type: 'update', jsonPath: 'spec.replicas', oldValue: 2, newValue: 1, unifiedDiff: '-2\n+1' }],
        lastResourceVersion: '81200',
      },
    ],
  },
  lastDriftDetectionResultMessage: '1 chg',
});

const deployRequest = (requestValue: string): Record<string, string> => ({
  'kluctl.io/request-deploy': JSON.stringify({ requestValue }),
});

describe('gitops/status presentStatus', () => {
  it('ready: Ready=True shows its message, since its transition, with drift, deploy and validate details', () => {
    const presented = presentStatus(kluctlDeployment({ status: healthyStatus() }));
    assert.equal(presented.state, 'ready');
    assert.equal(presented.summary, 'deploy succeeded. 2 new objects. 1 changed objects. validate succeeded.');
    assert.deepEqual(presented.since, new Date(T1));
    assert.deepEqual(presented.pendingRequests, []);
    assert.equal(presented.manualApprovalPending, false);
    assert.deepEqual(presented.drift, {
      message: '1 chg',
      hasDrift: true,
      objects: { new: 0, changed: 1, deleted: 0, orphan: 0 },
      errors: 0,
      warnings: 0,
    });
    assert.deepEqual(presented.lastDeploy, {
      command: 'deploy',
      endTime: new Date(T1),
      objects: { new: 2, changed: 1, deleted: 0, orphan: 1 },
      errors: 0,
      warnings: 1,
    });
    assert.deepEqual(presented.lastValidate, { ready: true, endTime: new Date(T1), errors: 0, warnings: 0 });
    assert.equal(presented.validation, 'ready');
    assert.equal(presented.conditions.length, 1);
  });

  it('ready: no drift reads as such', () => {
    const status = {
      ...healthyStatus(),
      lastDriftDetectionResult: { ...header, startTime: T1, endTime: T1 },
      lastDriftDetectionResultMessage: 'no drift',
    };
    const drift = presentStatus(kluctlDeployment({ status })).drift;
    assert.equal(drift?.hasDrift, false);
    assert.equal(drift?.message, 'no drift');
  });

  it('suspended: wins over Ready and over a routine Reconciling pass', () => {
    const status = {
      ...healthyStatus(),
      conditions: [...healthyStatus().conditions!, reconcilingCondition('Initializing')],
    };
    const presented = presentStatus(kluctlDeployment({ spec: { suspend: true }, status }));
    assert.equal(presented.state, 'suspended');
    assert.equal(presented.summary, 'Suspended');
    assert.equal(presented.suspended, true);
  });

  it('requestPending: a suspended KD with an unacknowledged deploy request shows the request (it will run)', () => {
    const kd = kluctlDeployment({
      spec: { suspend: true },
      status: healthyStatus(),
      annotations: deployRequest('2026-06-25T10:02:00.000Z-1a2b3c4d'),
    });
    const presented = presentStatus(kd, new Date('2026-06-25T10:02:10Z'));
    assert.equal(presented.state, 'requestPending');
    assert.equal(presented.summary, 'Deploy requested');
    assert.deepEqual(presented.pendingRequests, ['deploy']);
    assert.deepEqual(presented.since, new Date('2026-06-25T10:02:00Z'));
    assert.equal(presented.suspended, true);
  });

  it('requestPending: an annotation whose value an older result does not acknowledge is pending, CLI timestamps included', () => {
    const status = {
      ...healthyStatus(),
      deployRequestResult: {
        request: { requestValue: 'older' },
        startTime: T0,
        endTime: T1,
        reconcileId: 'r1',
        resultId: 'x',
      },
    };
    const annotations = {
      ...deployRequest('2026-06-25T12:02:00.123456789+02:00'),
      'kluctl.io/request-prune': JSON.stringify({ requestValue: '42', overridesPatch: { spec: { dryRun: true } } }),
    };
    const presented = presentStatus(kluctlDeployment({ status, annotations }), new Date('2026-06-25T10:02:30Z'));
    assert.equal(presented.state, 'requestPending');
    assert.deepEqual(presented.pendingRequests, ['deploy', 'prune']);
    assert.equal(presented.summary, 'Deploy requested, Prune requested');
    assert.deepEqual(presented.since, new Date('2026-06-25T10:02:00.123Z'));
  });

  it('requestPending: a request nobody picks up while the controller is idle says so after a while', () => {
    const kd = kluctlDeployment({
      status: healthyStatus(),
      annotations: deployRequest('2026-06-25T10:02:00.000Z-1a2b3c4d'),
    });
    const later = new Date(Date.parse('2026-06-25T10:02:00Z') + REQUEST_STALL_MS + 120_000);
    assert.match(
      presentStatus(kd, later).summary,
      /^Deploy requested 3 min ago, not picked up yet: is the kluctl-controller running/,
    );
  });

  it('reconciling: the Reconciling condition wins and the running request is listed', () => {
    const status: KluctlDeploymentStatus = {
      ...healthyStatus(),
      conditions: [...healthyStatus().conditions!, reconcilingCondition('Performing kluctl full-deploy')],
      deployRequestResult: { request: { requestValue: 'mine' }, startTime: T2, reconcileId: 'r2' },
    };
    const presented = presentStatus(kluctlDeployment({ status }));
    assert.equal(presented.state, 'reconciling');
    assert.equal(presented.summary, 'Performing kluctl full-deploy');
    assert.deepEqual(presented.since, new Date(T2));
    assert.deepEqual(presented.pendingRequests, ['deploy']);
  });

  it('reconciling: a request queued behind the current pass is mentioned', () => {
    const status = { ...healthyStatus(), conditions: [reconcilingCondition('Performing drift detection')] };
    const presented = presentStatus(
      kluctlDeployment({ status, annotations: { 'kluctl.io/request-diff': '{"requestValue":"7"}' } }),
    );
    assert.equal(presented.state, 'reconciling');
    assert.equal(presented.summary, 'Performing drift detection (diff requested)');
  });

  it('reconciling: Ready=Unknown/Progressing without a Reconciling condition', () => {
    const status = { conditions: [readyCondition('Unknown', 'Progressing', 'Reconciliation in progress')] };
    assert.equal(presentStatus(kluctlDeployment({ status })).state, 'reconciling');
  });

  it('a started request the controller abandoned (no endTime, not reconciling) is not shown as pending', () => {
    const status = {
      ...healthyStatus(),
      deployRequestResult: { request: { requestValue: 'mine' }, startTime: T0, reconcileId: 'r0' },
    };
    const presented = presentStatus(kluctlDeployment({ status, annotations: deployRequest('mine') }));
    assert.equal(presented.state, 'ready');
    assert.deepEqual(presented.pendingRequests, []);
  });

  it('a plain-string (v2.21 style) annotation still counts as requested', () => {
    const presented = presentStatus(
      kluctlDeployment({ status: healthyStatus(), annotations: { 'kluctl.io/request-reconcile': 'now' } }),
    );
    assert.deepEqual(presented.pendingRequests, ['reconcile']);
  });

  it('prepareFailed: shows the first line of lastPrepareError', () => {
    const status = {
      ...healthyStatus(),
      conditions: [
        readyCondition('False', 'PrepareFailed', 'prepare failed. Check status.lastPrepareError for details'),
      ],
      lastPrepareError: 'failed to clone git source: authentication required\ngoroutine 1 [running]:',
    };
    const presented = presentStatus(kluctlDeployment({ status }));
    assert.equal(presented.state, 'prepareFailed');
    assert.equal(presented.summary, 'prepare failed: failed to clone git source: authentication required');
  });

  it('prepareFailed: falls back to the condition message', () => {
    const status = {
      conditions: [
        readyCondition(
          'False',
          'PrepareFailed',
          'prepare failed with 2 errors. Check status.lastPrepareError for details',
        ),
      ],
    };
    assert.equal(
      presentStatus(kluctlDeployment({ status })).summary,
      'prepare failed with 2 errors. Check status.lastPrepareError for details',
    );
  });

  for (const reason of ['DeployFailed', 'DiffFailed', 'PruneFailed']) {
    it(`failed: Ready=False/${reason}`, () => {
      const status = {
        ...healthyStatus(),
        conditions: [
          readyCondition('False', reason, `${reason.replace('Failed', '').toLowerCase()} failed with 1 errors.`),
        ],
      };
      const presented = presentStatus(kluctlDeployment({ status }));
      assert.equal(presented.state, 'failed');
      assert.match(presented.summary, /failed with 1 errors\.$/);
    });
  }

  it('failed: a never-deployed KD (DeployFailed, "deployment status unknown")', () => {
    const status = { conditions: [readyCondition('False', 'DeployFailed', 'deployment status unknown')] };
    assert.equal(presentStatus(kluctlDeployment({ status })).state, 'failed');
  });

  it('ready: Ready=False/ValidateFailed stays ready as in the Webui; validation carries the failure', () => {
    const status = {
      ...healthyStatus(),
      conditions: [readyCondition('False', 'ValidateFailed', 'deploy succeeded. validate failed with 1 errors.')],
      lastValidateResult: {
        ...lastValidateResult,
        ready: false,
        errors: [{ ref: { kind: 'Pod', name: 'p', namespace: 'n' }, message: 'CrashLoopBackOff' }],
      },
    };
    const presented = presentStatus(kluctlDeployment({ status }));
    assert.equal(presented.state, 'ready');
    assert.equal(presented.validation, 'failed');
    assert.deepEqual(presented.lastValidate, { ready: false, endTime: new Date(T1), errors: 1, warnings: 0 });
  });

  it('validation: disabled, unknown and warnings', () => {
    assert.equal(
      presentStatus(kluctlDeployment({ spec: { validate: false }, status: healthyStatus() })).validation,
      'disabled',
    );
    assert.equal(
      presentStatus(kluctlDeployment({ status: { ...healthyStatus(), lastValidateResult: undefined } })).validation,
      'unknown',
    );
    const warned = { ...lastValidateResult, warnings: [{ ref: { kind: 'Pod', name: 'p' }, message: 'restarts' }] };
    assert.equal(
      presentStatus(kluctlDeployment({ status: { ...healthyStatus(), lastValidateResult: warned } })).validation,
      'warnings',
    );
  });

  it('unknown: no status yet, an empty status, or no Ready condition', () => {
    assert.deepEqual(
      [presentStatus(kluctlDeployment()), presentStatus(kluctlDeployment({ status: {} }))].map((p) => [
        p.state,
        p.summary,
      ]),
      [
        ['unknown', 'Status not available yet'],
        ['unknown', 'Status not available yet'],
      ],
    );
    const noReady = presentStatus(kluctlDeployment({ status: { observedGeneration: 1, conditions: [] } }));
    assert.deepEqual([noReady.state, noReady.summary], ['unknown', 'Ready condition is missing']);
  });

  it('manual mode: approval is pending while the rendered hash differs from the approved one', () => {
    const status = healthyStatus();
    assert.equal(
      presentStatus(kluctlDeployment({ spec: { manual: true, manualObjectsHash: 'old' }, status }))
        .manualApprovalPending,
      true,
    );
    assert.equal(
      presentStatus(kluctlDeployment({ spec: { manual: true, manualObjectsHash: 'c0ffee' }, status }))
        .manualApprovalPending,
      false,
    );
    assert.equal(presentStatus(kluctlDeployment({ spec: { manual: false }, status })).manualApprovalPending, false);
    assert.equal(
      presentStatus(kluctlDeployment({ spec: { manual: true }, status: { ...status, lastObjectsHash: undefined } }))
        .manualApprovalPending,
      false,
    );
  });

  it('keeps summaries to one line of at most 200 characters', () => {
    const status = { conditions: [readyCondition('False', 'DeployFailed', `${'x'.repeat(500)}\nsecond line`)] };
    const summary = presentStatus(kluctlDeployment({ status })).summary;
    assert.equal(summary.length, 200);
    assert.ok(summary.endsWith('…') && !summary.includes('\n'));
  });
});

describe('gitops/statusIcons', () => {
  it('maps every deployment state to the codicon and ThemeColor of the Webui port (ux C3)', () => {
    const expected: Record<DeploymentState, [string, string | undefined]> = {
      suspended: ['debug-pause', 'disabledForeground'],
      requestPending: ['watch', 'charts.blue'],
      reconciling: ['sync~spin', undefined],
      ready: ['pass', 'testing.iconPassed'],
      prepareFailed: ['sync-ignored', 'testing.iconFailed'],
      failed: ['error', 'problemsErrorIcon.foreground'],
      unknown: ['question', 'problemsWarningIcon.foreground'],
    };
    for (const [state, [codicon, themeColor]] of Object.entries(expected)) {
      assert.deepEqual(statusIcon(state as DeploymentState), themeColor ? { codicon, themeColor } : { codicon }, state);
    }
  });

  it('maps validation states to hearts, and drift to a diff badge', () => {
    assert.deepEqual(validationIcon('ready'), { codicon: 'heart-filled', themeColor: 'testing.iconPassed' });
    assert.deepEqual(validationIcon('warnings'), {
      codicon: 'heart-filled',
      themeColor: 'problemsWarningIcon.foreground',
    });
    assert.deepEqual(validationIcon('failed'), { codicon: 'error', themeColor: 'problemsErrorIcon.foreground' });
    assert.deepEqual(validationIcon('disabled'), { codicon: 'heart', themeColor: 'disabledForeground' });
    assert.deepEqual(validationIcon('unknown'), { codicon: 'question', themeColor: 'problemsWarningIcon.foreground' });
    assert.deepEqual(DRIFT_ICON, { codicon: 'diff', themeColor: 'gitDecoration.modifiedResourceForeground' });
  });
});
