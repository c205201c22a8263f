import * as assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import {
  collectReconciles,
  formatLogRecord,
  groupHeader,
  matchesFilter,
  parseLogLine,
  PREVIOUS_LOG_TAIL_LINES,
  streamPodLogs,
  type LogRecord,
} from '../../../src/gitops/controllerLogs.js';
import type { KubeClient, RequestOptions } from '../../../src/kube/client.js';
import { KubeApiError } from '../../../src/kube/errors.js';

describe('controller log lines', () => {
  const line = JSON.stringify({
    level: 'info',
    ts: '2026-06-25T10:11:12.5Z',
    msg: 'progress: Performing diff',
    controller: 'kluctldeployment',
    name: 'app',
    namespace: 'team',
    reconcileID: '3f1c-aa',
  });

  it('parses the keys the kluctl CLI reads', () => {
    assert.deepEqual(parseLogLine(line), {
      time: new Date('2026-06-25T10:11:12.5Z'),
      level: 'info',
      message: 'progress: Performing diff',
      name: 'app',
      namespace: 'team',
      reconcileId: '3f1c-aa',
      error: undefined,
    });
  });

  it('accepts epoch-seconds timestamps and drops non-JSON lines', () => {
    assert.deepEqual(
      parseLogLine('{"level":"error","ts":1750846272.5,"msg":"boom","error":"x"}')?.time,
      new Date(1750846272500),
    );
    assert.equal(parseLogLine('I1125 klog style line'), undefined);
    assert.equal(parseLogLine('{"no":"msg"}'), undefined);
  });

  it('filters by deployment and reconcile id', () => {
    const record = parseLogLine(line)!;
    assert.ok(matchesFilter(record, { name: 'app', namespace: 'team', reconcileId: '3f1c-aa' }));
    assert.ok(!matchesFilter(record, { name: 'other' }));
    assert.ok(!matchesFilter(record, { reconcileId: 'x' }));
    assert.ok(
      !matchesFilter({ level: 'info', message: 'startup' }, { name: 'app' }),
      'general lines have no deployment',
    );
  });

  it('formats records and group headers', () => {
    const record = parseLogLine(line)!;
    assert.equal(formatLogRecord(record), '2026-06-25T10:11:12.500Z INFO  progress: Performing diff');
    assert.equal(formatLogRecord({ level: 'error', message: 'failed', error: 'bad' }), '- ERROR failed (error: bad)');
    assert.equal(groupHeader(record), 'Showing logs for team/app and reconciliation ID 3f1c-aa');
    assert.equal(groupHeader({ level: 'info', message: 'x' }), 'Showing general controller logs');
    assert.equal(
      groupHeader({ ...record, previousContainerOf: 'kc-1' }),
      'Showing logs for team/app and reconciliation ID 3f1c-aa (previous container of Pod kc-1, before its restart)',
    );
  });
});

/**
 * The order and error handling of streamPodLogs over a recording stand-in for the API (the real pods/log path,
 * through kwok, is proven by test/integration/gitops-controller-pod.test.ts).
 */
describe('streamPodLogs of a restarted Pod', () => {
  const record = (msg: string): string => `${JSON.stringify({ level: 'info', ts: '2026-12-02T10:00:00Z', msg })}\n`;

  function fakeClient(
    pods: Array<{ name: string; restarts: number }>,
    logs: (pod: string, previous: boolean) => string | KubeApiError,
  ): { client: KubeClient; requests: Array<Record<string, unknown>> } {
    const requests: Array<Record<string, unknown>> = [];
    const client = {
      requestJson: () =>
        Promise.resolve({
          items: pods.map((p) => ({
            metadata: { name: p.name },
            status: { containerStatuses: [{ name: 'controller', restartCount: p.restarts }] },
          })),
        }),
      stream: (options: RequestOptions) => {
        const pod = /pods\/([^/]+)\/log$/.exec(options.path)![1];
        requests.push({ pod, ...options.query });
        const body = logs(pod, options.query?.previous === true);
        if (body instanceof KubeApiError) return Promise.reject(body);
        const stream = new PassThrough();
        setImmediate(() => stream.end(body));
        return Promise.resolve(stream as unknown as IncomingMessage);
      },
    } as unknown as KubeClient;
    return { client, requests };
  }

  it('reads the previous container first (bounded), marks its lines, then the current ones', async () => {
    const { client, requests } = fakeClient([{ name: 'kc-1', restarts: 2 }], (_, previous) =>
      previous ? record('before the crash') + 'panic: boom\n' : record('after the restart'),
    );
    const records: LogRecord[] = [];
    await streamPodLogs(client, {
      controllerNamespace: 'kluctl-system',
      sinceSeconds: 3600,
      filter: {},
      follow: false,
      onRecord: (r) => records.push(r),
    });
    assert.deepEqual(
      records.map((r) => [r.message, r.previousContainerOf]),
      [
        ['before the crash', 'kc-1'],
        ['after the restart', undefined],
      ],
    );
    assert.deepEqual(requests, [
      { pod: 'kc-1', container: 'controller', previous: true, sinceSeconds: 3600, tailLines: PREVIOUS_LOG_TAIL_LINES },
      { pod: 'kc-1', container: 'controller', follow: undefined, sinceSeconds: 3600 },
    ]);
  });

  it('previous logs that are gone (400) are a note; the current logs still come; a Pod never restarted is not asked', async () => {
    const gone = new KubeApiError(
      400,
      'BadRequest',
      'previous terminated container "controller" in pod "kc-1" not found',
      'logs of the previous container of pod kc-1',
    );
    const { client, requests } = fakeClient(
      [
        { name: 'kc-1', restarts: 1 },
        { name: 'kc-2', restarts: 0 },
      ],
      (pod, previous) => (previous ? gone : record(`current of ${pod}`)),
    );
    const records: string[] = [];
    const notes: string[] = [];
    await streamPodLogs(client, {
      controllerNamespace: 'kluctl-system',
      filter: {},
      follow: false,
      onRecord: (r) => records.push(r.message),
      onNote: (n) => notes.push(n),
    });
    assert.deepEqual(records.sort(), ['current of kc-1', 'current of kc-2']);
    assert.deepEqual(notes, [
      `the logs of Pod kc-1's previous container (before its restart) are not available: previous terminated container "controller" in pod "kc-1" not found`,
    ]);
    assert.equal(requests.filter((r) => r.previous).length, 1);
  });
});

describe('collectReconciles', () => {
  const rec = (id: string | undefined, ts: string, msg = 'x') =>
    parseLogLine(JSON.stringify({ level: 'info', ts, msg, name: 'app', namespace: 'team', reconcileID: id }))!;

  it('lists reconciliations from logs and status, newest first, naming manual requests', () => {
    const list = collectReconciles(
      [
        rec('r1', '2026-06-25T10:00:00Z', 'Starting reconcile'),
        rec('r1', '2026-06-25T10:00:05Z'),
        rec('r2', '2026-06-25T10:01:00Z', 'Processing kluctl.io/request-deploy: {"requestValue":"v"}'),
        rec(undefined, '2026-06-25T10:02:00Z', 'general line'),
      ],
      [{ kind: 'validate', reconcileId: 'r3', startTime: '2026-06-25T10:03:00Z', endTime: '2026-06-25T10:03:09Z' }],
    );
    assert.deepEqual(
      list.map((e) => [e.reconcileId, e.what, e.lines]),
      [
        ['r3', 'validate request', 0],
        ['r2', 'deploy request', 1],
        ['r1', 'Starting reconcile', 2],
      ],
    );
    assert.deepEqual(list[2].end, new Date('2026-06-25T10:00:05Z'));
  });

  it('keeps at most the limit', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      rec(`r${i}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()),
    );
    const list = collectReconciles(many, [], 10);
    assert.equal(list.length, 10);
    assert.equal(list[0].reconcileId, 'r499');
  });
});
