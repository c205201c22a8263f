import * as assert from 'node:assert/strict';
import {
  imageTag,
  presentControllerPods,
  servingPods,
  summarizePod,
  type ControllerPodObject,
  type ControllerPodSummary,
} from '../../../src/gitops/controllerPods.js';

function pod(
  name: string,
  options: {
    phase?: string;
    ready?: boolean;
    restarts?: number;
    node?: string;
    image?: string;
    deleting?: boolean;
    lastTerminated?: { reason?: string; exitCode?: number };
  } = {},
): ControllerPodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'kluctl-system',
      creationTimestamp: '2026-12-02T10:00:00Z',
      ...(options.deleting ? { deletionTimestamp: '2026-12-02T11:00:00Z' } : {}),
    },
    spec: {
      nodeName: options.node ?? 'kwok-node-0',
      containers: [
        { name: 'sidecar', image: 'example.invalid/sidecar:9' },
        { name: 'controller', image: options.image ?? 'ghcr.io/kluctl/kluctl:v2.22.1' },
      ],
    },
    status: {
      phase: options.phase ?? 'Running',
      podIP: '127.1.2.3',
      conditions: [{ type: 'Ready', status: (options.ready ?? true) ? 'True' : 'False' }],
      containerStatuses: [
        { name: 'sidecar', restartCount: 7 },
        {
          name: 'controller',
          restartCount: options.restarts ?? 0,
          ...(options.lastTerminated ? { lastState: { terminated: options.lastTerminated } } : {}),
        },
      ],
    },
  };
}

describe('controller Pods', () => {
  it('reads the version from the image tag, not from a digest or a registry port', () => {
    assert.equal(imageTag('ghcr.io/kluctl/kluctl:v2.22.1'), 'v2.22.1');
    assert.equal(imageTag('ghcr.io/kluctl/kluctl:v2.28.2@sha256:abcd'), 'v2.28.2');
    assert.equal(imageTag('ghcr.io/kluctl/kluctl@sha256:abcd'), undefined);
    assert.equal(imageTag('localhost:5000/kluctl'), undefined);
    assert.equal(imageTag('localhost:5000/kluctl:latest'), 'latest');
    assert.equal(imageTag('kluctl'), undefined);
    assert.equal(imageTag(undefined), undefined);
  });

  it('summarizes the controller container (not a sidecar): restarts, last termination, node, version', () => {
    const summary = summarizePod(pod('kc-1', { restarts: 2, lastTerminated: { reason: 'Error', exitCode: 2 } }));
    assert.deepEqual(summary, {
      name: 'kc-1',
      phase: 'Running',
      ready: true,
      terminating: false,
      restarts: 2,
      lastTermination: 'Error (exit code 2)',
      node: 'kwok-node-0',
      podIP: '127.1.2.3',
      version: 'v2.22.1',
      created: new Date('2026-12-02T10:00:00Z'),
    });
    assert.equal(summarizePod(pod('kc-2', { deleting: true })).terminating, true);
  });

  const summaries = (...pods: ControllerPodObject[]): ControllerPodSummary[] => pods.map(summarizePod);

  it('one healthy Pod: its name, state, node and version on the row, no warning', () => {
    const row = presentControllerPods('kluctl-system', { kind: 'ready' }, summaries(pod('kluctl-controller-abc')));
    assert.equal(row.label, 'kluctl-controller');
    assert.equal(row.description, 'kluctl-controller-abc · Running, Ready · on kwok-node-0 · v2.22.1');
    assert.equal(row.warning, false);
    assert.equal(row.icon.codicon, 'vm-running');
    assert.deepEqual(row.pods, [], 'no child rows for a single Pod');
    assert.ok(row.details.includes('Restarts: 0'));
  });

  it('warns when the container restarted or no Pod is Ready', () => {
    const restarted = presentControllerPods(
      'kluctl-system',
      { kind: 'ready' },
      summaries(pod('kc', { restarts: 1, lastTerminated: { reason: 'OOMKilled', exitCode: 137 } })),
    );
    assert.equal(restarted.warning, true);
    assert.equal(restarted.icon.codicon, 'warning');
    assert.match(restarted.description, /· 1 restart ·/);
    assert.ok(restarted.details.includes('Restarts: 1 (last: OOMKilled (exit code 137))'));

    const notReady = presentControllerPods(
      'kluctl-system',
      { kind: 'ready' },
      summaries(pod('kc', { phase: 'Pending', ready: false, node: '' })),
    );
    assert.equal(notReady.warning, true);
    assert.equal(notReady.description, 'kc · Pending · not scheduled · v2.22.1');
    assert.ok(notReady.details.some((d) => d.startsWith('No controller Pod is Ready')));

    const terminating = presentControllerPods('ns', { kind: 'ready' }, summaries(pod('kc', { deleting: true })));
    assert.equal(terminating.warning, true, 'a terminating Pod is not a serving one');
    assert.match(terminating.description, /Terminating/);
  });

  it('several Pods: a summary row with one child per Pod', () => {
    const row = presentControllerPods(
      'kluctl-system',
      { kind: 'ready' },
      summaries(pod('kc-b', { restarts: 3 }), pod('kc-a', { deleting: true }), pod('kc-c', { ready: false })),
    );
    assert.equal(row.description, '3 Pods · 1 Ready · 3 restarts · v2.22.1');
    assert.deepEqual(
      row.pods.map((p) => [p.name, p.icon.codicon]),
      [
        ['kc-a', 'warning'],
        ['kc-b', 'warning'],
        ['kc-c', 'warning'],
      ],
    );
    const healthy = presentControllerPods('ns', { kind: 'ready' }, summaries(pod('kc-1'), pod('kc-2')));
    assert.equal(healthy.warning, false);
    assert.equal(healthy.description, '2 Pods · 2 Ready · v2.22.1');
  });

  it('no Pods, RBAC denial and an unreachable cluster are message rows', () => {
    const none = presentControllerPods('kluctl-system', { kind: 'ready' }, []);
    assert.equal(none.description, 'no Pods in kluctl-system');
    assert.equal(none.warning, true);
    assert.match(none.details.join('\n'), /label control-plane=kluctl-controller in namespace kluctl-system/);

    const forbidden = presentControllerPods(
      'kluctl-system',
      { kind: 'forbidden', message: 'list pods: 403 Forbidden: pods is forbidden' },
      [],
    );
    assert.equal(forbidden.description, 'not allowed to list Pods in kluctl-system');
    assert.equal(forbidden.icon.codicon, 'lock');
    assert.match(
      forbidden.details.join('\n'),
      /403 Forbidden.*\n.*"list" and "watch" on pods in namespace kluctl-system/,
    );

    const unreachable = presentControllerPods(
      'kluctl-system',
      { kind: 'unreachable', message: 'connect ECONNREFUSED', retryInMs: 4000 },
      [],
    );
    assert.equal(unreachable.description, 'cannot list Pods of kluctl-system (retrying in 4s)');
    assert.equal(presentControllerPods('x', { kind: 'loading' }, []).icon.codicon, 'loading~spin');
  });

  it('the Pods that run requests: the leader named by the Lease, else every running Pod', () => {
    const pods = summaries(
      pod('kc-a'),
      pod('kc-b'),
      pod('kc-c', { deleting: true }),
      pod('kc-d', { phase: 'Pending' }),
    );
    assert.deepEqual(servingPods(pods), ['kc-a', 'kc-b']);
    assert.deepEqual(servingPods(pods, 'kc-b_0b6f3c1e-8f7a-4b44-9a5e-3c1d2f0e9a11'), ['kc-b']);
    assert.deepEqual(servingPods(pods, 'kc-c_1234'), ['kc-a', 'kc-b'], 'a terminating leader is not trusted');
    assert.deepEqual(servingPods(pods, 'laptop_1234'), ['kc-a', 'kc-b'], 'a holder that is no Pod');
  });
});
