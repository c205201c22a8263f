import * as assert from 'node:assert/strict';
import { chooseControllerPod, type PodLike } from '../../../../src/gitops/sourceOverride/controllerPod.js';
import { SourceOverrideError } from '../../../../src/gitops/sourceOverride/errors.js';

function pod(
  name: string,
  overrides: { phase?: string; ready?: boolean; ip?: string; port?: string; terminating?: boolean } = {},
): PodLike {
  return {
    metadata: {
      name,
      namespace: 'kluctl-system',
      ...(overrides.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      containers: [
        {
          ports: [
            { name: 'metrics', containerPort: 8080 },
            { name: overrides.port ?? 'source-override', containerPort: 8082 },
          ],
        },
      ],
    },
    status: {
      phase: overrides.phase ?? 'Running',
      podIP: overrides.ip ?? '10.0.0.1',
      conditions: [{ type: 'Ready', status: overrides.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('source override controller pod choice', () => {
  it('takes the first Running, Ready pod by name with its source-override port', () => {
    assert.deepEqual(
      chooseControllerPod(
        [pod('c-b', { ip: '10.0.0.2' }), pod('c-a', { ready: false }), pod('c-c', { ip: 'fd00::3' })],
        'kluctl-system',
      ),
      {
        namespace: 'kluctl-system',
        name: 'c-b',
        podIP: '10.0.0.2',
        port: 8082,
      },
    );
  });

  it('says there is no controller pod', () => {
    assert.throws(
      () => chooseControllerPod([], 'kluctl-system'),
      (e: unknown) =>
        e instanceof SourceOverrideError &&
        e.problem === 'noControllerPod' &&
        /no kluctl-controller pod in namespace "kluctl-system"/.test(e.message),
    );
  });

  it('says why each pod cannot be used', () => {
    assert.throws(
      () =>
        chooseControllerPod(
          [
            pod('a', { phase: 'Pending' }),
            pod('b', { ready: false }),
            pod('c', { terminating: true }),
            pod('d', { port: 'other' }),
            pod('e', { ip: '' }),
          ],
          'ns',
        ),
      (e: unknown) =>
        e instanceof SourceOverrideError &&
        e.message ===
          'no usable kluctl-controller pod in namespace "ns": a is Pending; b is not Ready; c is terminating; d has no containerPort named "source-override" (a controller older than v2.22, or run with --source-override-bind-address=0); e has no IP',
    );
  });
});
