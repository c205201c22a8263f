import * as assert from 'node:assert/strict';
import {
  approvePatch,
  buildManualRequest,
  clearLastDiffResultPatch,
  isDiffStatusSettled,
  isRequestAcknowledged,
  isRequestFinished,
  mergeSourceOverrides,
  newRequestValue,
  parseManualRequest,
  requestPatch,
  requestResultFor,
  requestTime,
  suspendPatch,
} from '../../../src/gitops/requests.js';
import { REQUEST_KINDS, type KluctlDeploymentStatus, type SourceOverride } from '../../../src/kluctl/types.js';
import { kluctlDeployment, T0, T1 } from './kdFixtures.js';

describe('gitops/requests', () => {
  describe('buildManualRequest', () => {
    it('produces the compact JSON of protocol §2.2', () => {
      assert.equal(
        buildManualRequest('2026-06-25T10:11:12.123456789+02:00', { spec: { dryRun: true } }),
        '{"requestValue":"2026-06-25T10:11:12.123456789+02:00","overridesPatch":{"spec":{"dryRun":true}}}',
      );
    });

    it('omits overridesPatch when absent or when it changes nothing', () => {
      for (const patch of [undefined, {}, { spec: {} }]) {
        assert.equal(buildManualRequest('v', patch), '{"requestValue":"v"}', JSON.stringify(patch));
      }
    });

    it('keeps null entries, which a merge patch uses to remove fields', () => {
      assert.equal(
        buildManualRequest('v', { spec: { prune: null } }),
        '{"requestValue":"v","overridesPatch":{"spec":{"prune":null}}}',
      );
    });

    it('refuses an empty requestValue and a patch outside spec, which the controller would reject', () => {
      assert.throws(() => buildManualRequest(''), /non-empty requestValue/);
      assert.throws(
        () => buildManualRequest('v', { metadata: { labels: { a: 'b' } } }),
        /only change spec, not metadata/,
      );
    });

    it('round-trips through parseManualRequest, which rejects anything else', () => {
      assert.deepEqual(parseManualRequest(buildManualRequest('v', { spec: { noWait: true } })), {
        requestValue: 'v',
        overridesPatch: { spec: { noWait: true } },
      });
      for (const bad of ['2026-06-25T10:11:12Z', '{}', '{"requestValue":""}', 'null', '{"requestValue":5}']) {
        assert.equal(parseManualRequest(bad), undefined, bad);
      }
    });
  });

  describe('newRequestValue and requestTime', () => {
    it('starts with the ISO time and ends with a random suffix, unique within one millisecond', () => {
      const now = new Date('2026-06-25T10:11:12.345Z');
      const values = Array.from({ length: 1000 }, () => newRequestValue(now));
      assert.match(values[0], /^2026-06-25T10:11:12\.345Z-[0-9a-f]{8}$/);
      assert.equal(new Set(values).size, values.length);
      assert.deepEqual(requestTime(values[0]), now);
    });

    it('reads the time of CLI and Webui values (RFC 3339 with nanoseconds and offset), not of other tokens', () => {
      assert.deepEqual(requestTime('2026-06-25T12:11:12.123456789+02:00'), new Date('2026-06-25T10:11:12.123Z'));
      assert.deepEqual(requestTime('2026-06-25T10:11:12Z'), new Date('2026-06-25T10:11:12Z'));
      assert.equal(requestTime('8674665223082153551'), undefined);
      assert.equal(requestTime('2026-13-45T99:99:99Z'), undefined);
    });
  });

  describe('requestPatch', () => {
    it('sets the annotation of each request kind as a merge patch', () => {
      const value = buildManualRequest('v');
      for (const kind of REQUEST_KINDS) {
        assert.equal(
          JSON.stringify(requestPatch(kind, value)),
          `{"metadata":{"annotations":{"kluctl.io/request-${kind}":"{\\"requestValue\\":\\"v\\"}"}}}`,
        );
      }
    });

    it('refuses a plain string, which the controller would never acknowledge', () => {
      assert.throws(() => requestPatch('deploy', '2026-06-25T10:11:12Z'), /ManualRequest JSON/);
    });
  });

  describe('suspendPatch and approvePatch', () => {
    it('suspends with true and resumes by removing the field', () => {
      assert.equal(JSON.stringify(suspendPatch(true)), '{"spec":{"suspend":true}}');
      assert.equal(JSON.stringify(suspendPatch(false)), '{"spec":{"suspend":null}}');
    });

    it('approves by copying status.lastObjectsHash to spec.manualObjectsHash', () => {
      const kd = kluctlDeployment({
        spec: { manual: true, manualObjectsHash: 'old' },
        status: { lastObjectsHash: 'c0ffee' },
      });
      assert.deepEqual(approvePatch(kd), { spec: { manualObjectsHash: 'c0ffee' } });
    });

    it('refuses to approve without manual mode or before anything was rendered', () => {
      assert.throws(
        () => approvePatch(kluctlDeployment({ status: { lastObjectsHash: 'c0ffee' } })),
        /not in manual mode/,
      );
      assert.throws(
        () => approvePatch(kluctlDeployment({ spec: { manual: true }, status: {} })),
        /lastObjectsHash is empty/,
      );
    });
  });

  describe('mergeSourceOverrides', () => {
    const existing: SourceOverride[] = [
      { repoKey: 'git://github.com/acme/lib', url: 'grpc+source-override://10.0.0.9:8082/aaa' },
      { repoKey: 'git://github.com/acme/app', url: 'grpc+source-override://10.0.0.9:8082/old' },
      { repoKey: 'git://github.com/acme', url: 'grpc+source-override://10.0.0.9:8082/grp', isGroup: true },
    ];
    const ours: SourceOverride = {
      repoKey: 'git://github.com/acme/app',
      url: 'grpc+source-override://10.0.0.17:8082/new',
    };

    it('carries the existing entries and replaces one for the same repo key', () => {
      assert.deepEqual(mergeSourceOverrides(existing, [ours]), [existing[0], existing[2], ours]);
    });

    it('treats a group override and a plain one of the same key as different entries', () => {
      const plainAcme: SourceOverride = { repoKey: 'git://github.com/acme', url: 'grpc+source-override://x/y' };
      assert.deepEqual(mergeSourceOverrides(existing, [plainAcme]), [...existing, plainAcme]);
    });

    it('works without existing entries', () => {
      assert.deepEqual(mergeSourceOverrides(undefined, [ours]), [ours]);
    });
  });

  describe('isRequestAcknowledged and isRequestFinished', () => {
    const withResult = (deployRequestResult?: KluctlDeploymentStatus['deployRequestResult']) =>
      kluctlDeployment({ status: { deployRequestResult } });

    it('are false before the controller has seen our value', () => {
      for (const kd of [
        kluctlDeployment(),
        withResult(),
        withResult({ request: { requestValue: 'other' }, startTime: T0, endTime: T1, reconcileId: 'r' }),
      ]) {
        assert.equal(isRequestAcknowledged(kd, 'deploy', 'mine'), false);
        assert.equal(isRequestFinished(kd, 'deploy', 'mine'), false);
      }
    });

    it('acknowledge once started and finish once endTime is set', () => {
      const started = withResult({ request: { requestValue: 'mine' }, startTime: T0, reconcileId: 'r' });
      assert.equal(isRequestAcknowledged(started, 'deploy', 'mine'), true);
      assert.equal(isRequestFinished(started, 'deploy', 'mine'), false);
      const finished = withResult({
        request: { requestValue: 'mine' },
        startTime: T0,
        endTime: T1,
        reconcileId: 'r',
        resultId: 'res',
        commandError: '',
      });
      assert.equal(isRequestFinished(finished, 'deploy', 'mine'), true);
      assert.equal(requestResultFor(finished, 'deploy', 'mine')?.resultId, 'res');
    });

    it('look only at the status field of the asked kind', () => {
      const kd = withResult({ request: { requestValue: 'mine' }, startTime: T0, endTime: T1, reconcileId: 'r' });
      assert.equal(isRequestAcknowledged(kd, 'diff', 'mine'), false);
    });
  });

  describe('clearLastDiffResultPatch', () => {
    const summary = (id: string) => ({ id }) as NonNullable<KluctlDeploymentStatus['lastDiffResult']>;
    const kd = (requestValue: string, resultId: string | undefined) =>
      kluctlDeployment({
        status: {
          diffRequestResult: { request: { requestValue }, startTime: T0, endTime: T1, reconcileId: 'r', resultId },
          lastDiffResult: resultId ? summary(resultId) : undefined,
        },
      });

    it('removes lastDiffResult, guarded by test operations on the request value and the result id', () => {
      assert.deepEqual(clearLastDiffResultPatch(kd('mine', 'res-1'), 'mine', 'res-1'), [
        { op: 'test', path: '/status/diffRequestResult/request/requestValue', value: 'mine' },
        { op: 'test', path: '/status/lastDiffResult/id', value: 'res-1' },
        { op: 'remove', path: '/status/lastDiffResult' },
      ]);
    });

    it("never touches another request's result, nor a status without one", () => {
      assert.equal(clearLastDiffResultPatch(kd('theirs', 'res-2'), 'mine', 'res-1'), undefined);
      assert.equal(clearLastDiffResultPatch(kd('mine', 'res-2'), 'mine', 'res-1'), undefined);
      assert.equal(clearLastDiffResultPatch(kd('mine', undefined), 'mine', 'res-1'), undefined);
      assert.equal(clearLastDiffResultPatch(kluctlDeployment(), 'mine', 'res-1'), undefined);
    });
  });

  describe('isDiffStatusSettled', () => {
    const reconciling = (message: string) => ({
      type: 'Reconciling',
      status: 'True' as const,
      reason: 'Progressing',
      message,
      lastTransitionTime: T1,
    });
    const kd = (requestValue: string, lastId: string | undefined, message?: string) =>
      kluctlDeployment({
        status: {
          diffRequestResult: {
            request: { requestValue },
            startTime: T0,
            endTime: T1,
            reconcileId: 'r',
            resultId: 'res-1',
          },
          lastDiffResult: lastId
            ? ({ id: lastId } as NonNullable<KluctlDeploymentStatus['lastDiffResult']>)
            : undefined,
          conditions: message ? [reconciling(message)] : [],
        },
      });

    it("waits while our diff's pass has not written its summary yet (the previous one, or none, still there)", () => {
      assert.equal(isDiffStatusSettled(kd('mine', 'res-0', 'Performing diff'), 'mine', 'res-1'), false);
      assert.equal(isDiffStatusSettled(kd('mine', undefined, 'Performing diff'), 'mine', 'res-1'), false);
    });

    it('is settled with our summary, after a newer diff request, or once the pass is over', () => {
      assert.equal(isDiffStatusSettled(kd('mine', 'res-1', 'Performing diff'), 'mine', 'res-1'), true);
      assert.equal(isDiffStatusSettled(kd('theirs', 'res-0', 'Performing diff'), 'mine', 'res-1'), true);
      assert.equal(isDiffStatusSettled(kd('mine', undefined, 'Initializing'), 'mine', 'res-1'), true);
      assert.equal(isDiffStatusSettled(kd('mine', undefined), 'mine', 'res-1'), true);
    });
  });
});
