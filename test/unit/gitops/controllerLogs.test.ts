import * as assert from 'node:assert/strict';
import {
  collectReconciles,
  formatLogRecord,
  groupHeader,
  matchesFilter,
  parseLogLine,
} from '../../../src/gitops/controllerLogs.js';

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
